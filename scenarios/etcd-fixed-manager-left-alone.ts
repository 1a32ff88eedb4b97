import { leftAloneScenario } from './kops/left-alone.js';

export default leftAloneScenario('etcd-fixed-manager-left-alone', '3.0.20200428', "The kops advisory's fixed etcd-manager");
