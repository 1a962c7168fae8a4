// A tinypool task (CommonJS, default export): one solve of the challenge text it is given.
const binding = require('../../lib');

module.exports = async function solveTask({ text }) {
  const response = await binding.solve(text);
  delete response.response_time_ms;
  return response;
};
