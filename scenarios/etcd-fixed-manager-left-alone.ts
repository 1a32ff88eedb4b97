import { leftAloneScenario } from './kops/left-alone.js';

export default leftAloneScenario(
  'etcd-fixed-manager-left-alone',
  '3.0.20200428',
  "The kops advisory's fixed etcd-manager",
  "The kops advisory's fixed etcd-manager 3.0.20200428 left alone for two years, then restarted.",
);
