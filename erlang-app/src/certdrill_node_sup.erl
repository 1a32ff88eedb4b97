-module(certdrill_node_sup).
-behaviour(supervisor).
-export([start_link/0, init/1]).

start_link() -> supervisor:start_link({local, ?MODULE}, ?MODULE, []).

init([]) ->
    Children = [#{id => certdrill_node_membership,
                  start => {certdrill_node_membership, start_link, []}}]
        ++ [#{id => {dialer, Peer},
              start => {certdrill_node_dialer, start_link, [Peer]}}
            || Peer <- peers(), Peer =/= node()],
    {ok, {#{strategy => one_for_one, intensity => 10, period => 10}, Children}}.

%% The peer list comes from the environment, the way a headless-service DNS
%% lookup would hand it to a pod: every member of the cluster, possibly
%% including this node itself.
peers() ->
    [list_to_atom(string:trim(P))
     || P <- string:lexemes(os:getenv("CERTDRILL_PEERS", ""), ", "), P =/= ""].
