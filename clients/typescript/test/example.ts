// The README's example, type-checked by `npm test` (tsc) against src/index.d.ts.
import { Veto, Refused } from '../src/index.js';

const veto = new Veto({ url: 'http://127.0.0.1:8181', token: process.env.VETO_TOKEN,
  agentId: 'billing-agent', taskId: 'order-7731' });

const transfer = veto.guard('BankManagerTransferFunds',
  async ({ amount }: { amount: number }) => `sent ${amount}`);

export async function main(): Promise<string> {
  try {
    return await transfer({ amount: 5 }); // waits for an approver, then runs once
  } catch (error) {
    if (error instanceof Refused) return `refused: ${error.rules.join(', ')}`;
    throw error;
  }
}

declare const process: { env: Record<string, string | undefined> };
