import { describeErlangCaExpiry } from '../shared/erlang-ca-expiry.js';

describeErlangCaExpiry('docker');
