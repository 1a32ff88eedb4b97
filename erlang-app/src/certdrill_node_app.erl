-module(certdrill_node_app).
-behaviour(application).
-export([start/2, stop/1]).

start(_Type, _Args) ->
    Port = list_to_integer(os:getenv("CERTDRILL_HTTP_PORT", "8080")),
    {ok, _} = inets:start(httpd, [{port, Port},
                                  {bind_address, any},
                                  {server_name, "certdrill"},
                                  {server_root, "/tmp"},
                                  {document_root, "/tmp"},
                                  {modules, [certdrill_node_http]}]),
    certdrill_node_sup:start_link().

stop(_State) -> ok.
