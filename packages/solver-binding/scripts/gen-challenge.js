// A reproducible synthetic challenge: `buyers` buy legs and `sellers` sell legs of one
// resource across three regions, with latency constraints, preferences and (optionally) a
// share of all-or-nothing lots. Used by the data-path measurement and by the tests that need a
// challenge bigger than the fixtures. Not a benchmark corpus (that is benchmarks/).

/** mulberry32: a tiny seeded PRNG, so the same seed gives the same challenge everywhere. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REGIONS = ['US', 'EU', 'ASIA'];

/** Two decimals, as prices are written by people. */
const cents = (x) => Math.round(x * 100) / 100;

function generateChallenge({ buyers = 100, sellers = 100, seed = 1, lotShare = 0 } = {}) {
  const next = rng(seed);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const parties = [];
  for (let i = 0; i < buyers; i++) {
    const lot = next() < lotShare;
    const max = 10 + Math.floor(next() * 90);
    parties.push({
      id: `buyer_${i}`,
      intent: 'buy',
      resource: 'gpu_hours',
      quantity: lot ? { min: Math.ceil(max / 2), max } : { max },
      price: { max: cents(1.5 + next() * 1.5) },
      attributes: { region: pick(REGIONS), duration_hours: 1 + Math.floor(next() * 8) },
      constraints: next() < 0.5 ? ['latency_ms < 120'] : [],
      preferences: next() < 0.3 ? [{ when: `region = ${pick(REGIONS)}`, bonus: cents(next() * 0.2) }] : [],
    });
  }
  for (let j = 0; j < sellers; j++) {
    parties.push({
      id: `seller_${j}`,
      intent: 'sell',
      resource: 'gpu_hours',
      quantity: { available: 20 + Math.floor(next() * 180) },
      price: { min: cents(0.8 + next() * 1.2) },
      attributes: { region: pick(REGIONS), gpu: pick(['A100', 'H100']) },
    });
  }
  const hex = (seed >>> 0).toString(16).padStart(8, '0');
  return {
    version: 1,
    challenge_id: `0x${hex}${buyers.toString(16).padStart(4, '0')}${sellers.toString(16).padStart(4, '0')}`,
    response_window_ms: 10000,
    network: {
      latency_ms: { US: { US: 15, EU: 85, ASIA: 160 }, EU: { EU: 12, ASIA: 110 }, ASIA: { ASIA: 20 } },
    },
    parties,
  };
}

module.exports = { generateChallenge };

if (require.main === module) {
  const [buyers = '100', sellers = '100', seed = '1'] = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(generateChallenge({ buyers: +buyers, sellers: +sellers, seed: +seed }))}\n`);
}
