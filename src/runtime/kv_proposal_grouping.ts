import { encodeProposalGroup, splitGroupResults } from '../kv/command_codec.js';
import type { ProposalGrouping } from '../node/types.js';

/** Bound on the proposal bytes packed into one log entry (bigger batches become several entries). */
const GROUP_BYTES_MAX = 256 << 10;

/** The KV state machine's packing of many client proposals into one log entry per flush. */
export const KV_PROPOSAL_GROUPING: ProposalGrouping = {
  pack: encodeProposalGroup,
  unpack: (result, count) => {
    const split = splitGroupResults(result, count);
    return split.ok ? split.value : null;
  },
  groupBytesMax: GROUP_BYTES_MAX,
};
