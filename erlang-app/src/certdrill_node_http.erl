%% inets httpd callback: GET /status answers what this node sees, as JSON.
-module(certdrill_node_http).
-export([do/1]).

do(ModData) ->
    case {element(7, ModData), element(9, ModData)} of   %% #mod.method, #mod.request_uri
        {"GET", "/status"} -> reply(200, "application/json", status());
        {"GET", "/metrics"} -> reply(200, "text/plain; version=0.0.4", metrics());
        _ -> reply(404, "application/json", <<"{\"error\":\"not found\"}">>)
    end.

reply(Code, Type, Body) ->
    Headers = [{code, Code}, {content_type, Type},
               {content_length, integer_to_list(byte_size(Body))}],
    {proceed, [{response, {response, Headers, [Body]}}]}.

%% Prometheus text format: what an alert rule on cluster membership and
%% certificate expiry would read.
metrics() ->
    Now = os:system_time(second),
    Expiry = fun(Certs) ->
                 case Certs of
                     [] -> [];
                     _ -> [integer_to_list(lists:max([element(2, certdrill_certs:validity(C)) || C <- Certs]) - Now)]
                 end
             end,
    NodeCert = case certdrill_certs:node_cert() of {ok, C} -> [C]; _ -> [] end,
    Lines =
        ["# HELP certdrill_connected_peers Nodes this node is connected to over TLS distribution.",
         "# TYPE certdrill_connected_peers gauge",
         "certdrill_connected_peers " ++ integer_to_list(length(nodes())),
         "# HELP certdrill_expected_cluster_size Nodes the cluster should have, this one included.",
         "# TYPE certdrill_expected_cluster_size gauge",
         "certdrill_expected_cluster_size " ++ integer_to_list(length(expected_members())),
         "# HELP certdrill_certificate_expiry_seconds Seconds until the certificate expires by this node's clock; negative once it has.",
         "# TYPE certdrill_certificate_expiry_seconds gauge"]
        ++ ["certdrill_certificate_expiry_seconds{certificate=\"node\"} " ++ S || S <- Expiry(NodeCert)]
        ++ ["certdrill_certificate_expiry_seconds{certificate=\"ca\"} " ++ S || S <- Expiry(certdrill_certs:cas())],
    iolist_to_binary([[L, $\n] || L <- Lines]).

expected_members() ->
    lists:usort([node() | [list_to_atom(string:trim(P)) || P <- string:lexemes(os:getenv("CERTDRILL_PEERS", ""), ", "), P =/= ""]]).

status() ->
    NowMs = os:system_time(millisecond),
    certdrill_node_json:encode(
      #{node => atom_to_binary(node()),
        nodes => [atom_to_binary(N) || N <- lists:sort(nodes())],
        time => iso(NowMs div 1000),
        timeMs => NowMs,
        otp => list_to_binary(erlang:system_info(otp_release)),
        cert => cert_info(certdrill_certs:node_cert()),
        ca => cert_info(case certdrill_certs:cas() of [Ca | _] -> {ok, Ca}; [] -> {error, no_ca} end)}).

cert_info({ok, Cert}) ->
    {NotBefore, NotAfter} = certdrill_certs:validity(Cert),
    #{notBefore => iso(NotBefore), notAfter => iso(NotAfter)};
cert_info({error, Reason}) ->
    #{error => atom_to_binary(Reason)}.

iso(UnixSeconds) -> list_to_binary(certdrill_certs:iso(UnixSeconds)).
