%% The pre-flight check a Kubernetes init container would run: refuse to
%% start the node, loudly, when its certificate or its CA is not valid now or
%% expires within the margin. Prints one line; halts 0 (go) or 1 (refuse).
-module(certdrill_preflight).
-export([main/0]).

main() ->
    Margin = list_to_integer(os:getenv("CERTDRILL_PREFLIGHT_MARGIN", "0")),
    Now = os:system_time(second),
    case check(Now, Margin) of
        {ok, Message} ->
            io:format("certdrill preflight: ok: ~s~n", [Message]),
            halt(0);
        {refuse, Reason} ->
            io:format("certdrill preflight: refusing to start: ~s~n", [Reason]),
            halt(1)
    end.

check(Now, Margin) ->
    case certdrill_certs:node_cert() of
        {error, _} -> {refuse, "no node certificate in " ++ certdrill_certs:dir()};
        {ok, Cert} ->
            Cas = certdrill_certs:issuer_cas(Cert, certdrill_certs:cas()),
            case {window(node, Cert, Now, Margin), Cas} of
                {{refuse, _} = Refuse, _} -> Refuse;
                {ok, []} -> {refuse, "ca.crt holds no CA that issued the node certificate"};
                {ok, _} ->
                    case [window(ca, Ca, Now, Margin) || Ca <- Cas] of
                        Results ->
                            case lists:member(ok, Results) of
                                true -> {ok, summary(Cert, Cas, Now, Margin)};
                                false -> hd(Results)
                            end
                    end
            end
    end.

window(Which, Cert, Now, Margin) ->
    {NotBefore, NotAfter} = certdrill_certs:validity(Cert),
    Name = io_lib:format("~s ~s", [label(Which), certdrill_certs:subject(Cert)]),
    if
        Now < NotBefore ->
            {refuse, lists:flatten(io_lib:format("~s is not valid yet: notBefore ~s, now ~s", [Name, certdrill_certs:iso(NotBefore), certdrill_certs:iso(Now)]))};
        Now > NotAfter ->
            {refuse, lists:flatten(io_lib:format("~s expired at ~s, now ~s", [Name, certdrill_certs:iso(NotAfter), certdrill_certs:iso(Now)]))};
        Now + Margin > NotAfter ->
            {refuse, lists:flatten(io_lib:format("~s expires at ~s, within the ~b s margin (now ~s)", [Name, certdrill_certs:iso(NotAfter), Margin, certdrill_certs:iso(Now)]))};
        true -> ok
    end.

summary(Cert, Cas, Now, Margin) ->
    {_, CertAfter} = certdrill_certs:validity(Cert),
    CaAfter = lists:max([element(2, certdrill_certs:validity(Ca)) || Ca <- Cas]),
    lists:flatten(io_lib:format("node certificate valid until ~s, CA until ~s (now ~s, margin ~b s)",
                                [certdrill_certs:iso(CertAfter), certdrill_certs:iso(CaAfter), certdrill_certs:iso(Now), Margin])).

label(node) -> "node certificate";
label(ca) -> "CA".
