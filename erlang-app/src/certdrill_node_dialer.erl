%% Keeps trying to connect to one peer, for ever, as a clustering library
%% (libcluster, a headless-service poller) would.
-module(certdrill_node_dialer).
-export([start_link/1, init/1]).

-define(RETRY_MS, 1000).

start_link(Peer) ->
    Pid = proc_lib:spawn_link(?MODULE, init, [Peer]),
    {ok, Pid}.

init(Peer) -> loop(Peer).

loop(Peer) ->
    case lists:member(Peer, nodes()) of
        true -> ok;
        false -> net_kernel:connect_node(Peer)
    end,
    timer:sleep(?RETRY_MS),
    loop(Peer).
