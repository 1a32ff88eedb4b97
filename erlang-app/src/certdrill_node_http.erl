%% inets httpd callback: GET /status answers what this node sees, as JSON.
-module(certdrill_node_http).
-export([do/1]).

-define(CERT_DIR, "/certdrill/certs").

do(ModData) ->
    case {element(7, ModData), element(9, ModData)} of   %% #mod.method, #mod.request_uri
        {"GET", "/status"} -> reply(200, status());
        _ -> reply(404, <<"{\"error\":\"not found\"}">>)
    end.

reply(Code, Body) ->
    Headers = [{code, Code}, {content_type, "application/json"},
               {content_length, integer_to_list(byte_size(Body))}],
    {proceed, [{response, {response, Headers, [Body]}}]}.

status() ->
    NowMs = os:system_time(millisecond),
    certdrill_node_json:encode(
      #{node => atom_to_binary(node()),
        nodes => [atom_to_binary(N) || N <- lists:sort(nodes())],
        time => iso(NowMs div 1000),
        timeMs => NowMs,
        cert => cert_info(filename:join(?CERT_DIR, "node.crt")),
        ca => cert_info(filename:join(?CERT_DIR, "ca.crt"))}).

cert_info(File) ->
    try
        {ok, Pem} = file:read_file(File),
        [{'Certificate', Der, _} | _] = public_key:pem_decode(Pem),
        Otp = public_key:pkix_decode_cert(Der, otp),
        Tbs = element(2, Otp),                       %% #'OTPCertificate'.tbsCertificate
        {'Validity', NotBefore, NotAfter} = element(6, Tbs),
        #{notBefore => iso(unix(NotBefore)), notAfter => iso(unix(NotAfter))}
    catch
        _:Reason -> #{error => iolist_to_binary(io_lib:format("~p", [Reason]))}
    end.

unix(Time) -> pubkey_cert:time_str_2_gregorian_sec(Time) - 62167219200.

iso(UnixSeconds) ->
    list_to_binary(calendar:system_time_to_rfc3339(UnixSeconds, [{offset, "Z"}])).
