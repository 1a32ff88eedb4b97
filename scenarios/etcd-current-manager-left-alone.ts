import { leftAloneScenario } from './kops/left-alone.js';

export default leftAloneScenario(
  'etcd-current-manager-left-alone',
  'v3.0.20260707',
  "Today's etcd-manager",
  "Today's etcd-manager v3.0.20260707 left alone for two years, then restarted.",
);
