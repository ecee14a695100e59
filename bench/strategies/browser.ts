import type { BenchContext, RowDraft } from '../lib/types';
export async function browserUnavailable(_ctx: BenchContext): Promise<string | null> {
  return 'not implemented yet';
}
export async function runBrowser(_ctx: BenchContext, _streams: number[], _onRow: (r: RowDraft) => void): Promise<void> {}
