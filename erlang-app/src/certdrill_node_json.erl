%% OTP 25 has no json module; this encodes the few shapes /status needs.
-module(certdrill_node_json).
-export([encode/1]).

encode(Term) -> iolist_to_binary(value(Term)).

value(M) when is_map(M) ->
    Pairs = [[string(atom_to_binary(K)), $:, value(V)] || {K, V} <- lists:sort(maps:to_list(M))],
    [${, lists:join($,, Pairs), $}];
value(L) when is_list(L) -> [$[, lists:join($,, [value(V) || V <- L]), $]];
value(B) when is_binary(B) -> string(B);
value(I) when is_integer(I) -> integer_to_binary(I);
value(true) -> <<"true">>;
value(false) -> <<"false">>;
value(null) -> <<"null">>;
value(A) when is_atom(A) -> string(atom_to_binary(A)).

string(B) -> [$", [escape(C) || <<C>> <= B], $"].

escape($") -> <<"\\\"">>;
escape($\\) -> <<"\\\\">>;
escape(C) when C < 16#20 -> io_lib:format("\\u~4.16.0b", [C]);
escape(C) -> C.
