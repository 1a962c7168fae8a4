// A worker_threads worker: loads the addon in its own thread and solves every challenge it is
// given `rounds` times, alternating the sync and the async entry points.
const { parentPort, workerData } = require('node:worker_threads');
const binding = require('../../lib');

async function main() {
  const { texts, rounds } = workerData;
  const results = [];
  for (let round = 0; round < rounds; round++) {
    for (const text of texts) {
      const response = round % 2 === 0 ? binding.solveSync(text) : await binding.solve(text);
      const [verdict] = await binding.verify(text, [response]);
      delete response.response_time_ms;
      results.push({ response, q: verdict.q });
    }
  }
  parentPort.postMessage(results);
}

main().catch((error) => {
  parentPort.postMessage({ error: String(error?.stack) });
});
