%% Logs every nodeup / nodedown so the node's own log holds the membership
%% history next to the TLS alerts that explain it.
-module(certdrill_node_membership).
-behaviour(gen_server).
-export([start_link/0, init/1, handle_call/3, handle_cast/2, handle_info/2]).

start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

init([]) ->
    ok = net_kernel:monitor_nodes(true),
    logger:notice("certdrill: node ~s started, peers ~s", [node(), os:getenv("CERTDRILL_PEERS", "")]),
    {ok, #{}}.

handle_call(_Req, _From, State) -> {reply, ok, State}.
handle_cast(_Msg, State) -> {noreply, State}.

handle_info({nodeup, Node}, State) ->
    logger:notice("certdrill: nodeup ~s, connected ~p", [Node, nodes()]),
    {noreply, State};
handle_info({nodedown, Node}, State) ->
    logger:notice("certdrill: nodedown ~s, connected ~p", [Node, nodes()]),
    {noreply, State};
handle_info(_Other, State) ->
    {noreply, State}.
