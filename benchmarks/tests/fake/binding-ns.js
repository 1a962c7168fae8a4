// A stand-in for the raw generated binding: JSON text in and out, stage times in ns.
module.exports = {
  solveSync: () => JSON.stringify({ welfare: 3 }),
  verifySync: (_json, responses) => JSON.stringify(responses.map(() => ({ valid: true }))),
  profile: () => ({
    parseNs: 1e6,
    edgesNs: 2e6,
    welfareNs: 3e6,
    nashNs: 4e6,
    responseNs: 5e6,
    parties: 2,
    edges: 1,
    welfare: 3,
  }),
};
