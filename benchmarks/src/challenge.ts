/**
 * The challenge shapes of settlement.md §1, as the generator writes them. Only what the
 * benchmarks produce and read is typed; the engine remains the authority on validation.
 */
export type AttributeValue = string | number;

export interface Preference {
  when: string;
  bonus: number;
}

interface PartyBase {
  id: string;
  attributes?: Record<string, AttributeValue>;
  constraints?: string[];
  preferences?: Preference[];
  weight?: number;
}

export interface BuyParty extends PartyBase {
  intent: 'buy';
  resource: string;
  quantity: { min?: number; max: number };
  price: { max: number };
}

export interface SellParty extends PartyBase {
  intent: 'sell';
  resource: string;
  quantity: { available: number; min?: number };
  price: { min: number };
}

export interface DeferParty extends PartyBase {
  intent: 'defer';
  resource: string;
  quantity: { current: number };
  compensation: { min: number; per: 'unit' | 'hour_deferred' };
}

export interface SwapParty extends PartyBase {
  intent: 'swap';
  give: { resource: string; quantity: { max: number }; price: { min: number } };
  get: { resource: string; quantity: { min?: number; max: number }; price: { max: number } };
  ratio?: { give_per_get_max: number };
}

export type Party = BuyParty | SellParty | DeferParty | SwapParty;

export interface Challenge {
  version: 1;
  challenge_id: string;
  timestamp: number;
  response_window_ms: number;
  currency: string;
  network: { latency_ms: Record<string, Record<string, number>> };
  parties: Party[];
}
