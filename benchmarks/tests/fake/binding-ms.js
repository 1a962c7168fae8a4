// A stand-in for @nash/solver-binding's wrapper: objects in and out (text from `native`),
// stage times in ms.
const solveSync = (json) => ({
  challenge_id: JSON.parse(json).challenge_id,
  welfare: 12.5,
  equilibrium_proof: { certificate: { duals: [1] } },
});
module.exports = {
  solveSync,
  verifySync: (_json, responses) => responses.map((r) => ({ valid: !!JSON.parse(r).equilibrium_proof, errors: [] })),
  profile: () => ({
    parseMs: 0.1,
    edgesMs: 0.2,
    welfareMs: 0.3,
    nashMs: 0.4,
    responseMs: 0.5,
    totalMs: 1.5,
    parties: 4,
    edgeCount: 3,
    welfare: 12.5,
  }),
  native: { probeNoop: () => undefined, solveSync: (json) => JSON.stringify(solveSync(json)) },
};
