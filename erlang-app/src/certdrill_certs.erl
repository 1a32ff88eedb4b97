%% Reading the node's certificate files: what /status, /metrics and the
%% pre-flight check all need.
-module(certdrill_certs).
-export([dir/0, node_cert/0, cas/0, validity/1, issuer_cas/2, iso/1, subject/1]).

dir() -> os:getenv("CERTDRILL_CERT_DIR", "/certdrill/certs").

%% The node's own certificate, decoded (otp form).
node_cert() ->
    case read(filename:join(dir(), "node.crt")) of
        [Cert | _] -> {ok, Cert};
        [] -> {error, no_certificate}
    end.

%% Every CA certificate in ca.crt (one, or a bundle during a rotation).
cas() -> read(filename:join(dir(), "ca.crt")).

read(File) ->
    case file:read_file(File) of
        {ok, Pem} -> [public_key:pkix_decode_cert(Der, otp) || {'Certificate', Der, _} <- public_key:pem_decode(Pem)];
        {error, _} -> []
    end.

%% {NotBefore, NotAfter} in Unix seconds.
validity(Cert) ->
    Tbs = element(2, Cert),                    %% #'OTPCertificate'.tbsCertificate
    {'Validity', NotBefore, NotAfter} = element(6, Tbs),
    {unix(NotBefore), unix(NotAfter)}.

%% The CAs in the bundle that issued Cert.
issuer_cas(Cert, Cas) -> [Ca || Ca <- Cas, public_key:pkix_is_issuer(Cert, Ca)].

subject(Cert) ->
    Tbs = element(2, Cert),
    {rdnSequence, Rdns} = element(7, Tbs),     %% #'OTPTBSCertificate'.subject
    Cns = [value(V) || Rdn <- Rdns, {'AttributeTypeAndValue', {2, 5, 4, 3}, V} <- Rdn],
    case Cns of [Cn | _] -> "CN=" ++ Cn; [] -> "?" end.

value({utf8String, B}) -> unicode:characters_to_list(B);
value({printableString, S}) -> S;
value(S) when is_list(S) -> S;
value(B) when is_binary(B) -> binary_to_list(B);
value(Other) -> io_lib:format("~p", [Other]).

unix(Time) -> pubkey_cert:time_str_2_gregorian_sec(Time) - 62167219200.

iso(UnixSeconds) -> calendar:system_time_to_rfc3339(UnixSeconds, [{offset, "Z"}]).
