import { join } from 'node:path';
import { loadNashEngine, responseObject, stripCertificate } from '../src/nash';

const fake = (name: string) => join(__dirname, 'fake', name);

describe('binding adapter', () => {
  it('maps the wrapper API (objects, ms stage fields, edgeCount, native probe)', () => {
    const { engine } = loadNashEngine(fake('binding-ms.js'));
    if (!engine) throw new Error('fake binding did not load');
    const response = responseObject(engine.solve('{"challenge_id":"0xabcdef01"}'));
    expect(response).toMatchObject({ challenge_id: '0xabcdef01', welfare: 12.5 });
    expect(engine.profile('{}')).toEqual({
      parseMs: 0.1,
      edgesMs: 0.2,
      welfareMs: 0.3,
      nashMs: 0.4,
      responseMs: 0.5,
      parties: 4,
      edges: 3,
      welfare: 12.5,
    });
    expect(engine.verify('{}', [JSON.stringify(response), '{}']).map((v) => v.valid)).toEqual([true, false]);
    expect(typeof engine.noop).toBe('function');
  });

  it('maps the raw API (JSON text, ns stage fields)', () => {
    const { engine } = loadNashEngine(fake('binding-ns.js'));
    if (!engine) throw new Error('fake binding did not load');
    expect(responseObject(engine.solve('{}'))).toEqual({ welfare: 3 });
    expect(engine.profile('{}')).toMatchObject({
      parseMs: 1,
      edgesMs: 2,
      welfareMs: 3,
      nashMs: 4,
      responseMs: 5,
      edges: 1,
    });
    expect(engine.verify('{}', ['{}'])).toEqual([{ valid: true }]);
    expect(engine.noop).toBeUndefined();
  });

  it('says why when the binding is missing or incomplete', () => {
    const missing = loadNashEngine(fake('nope.js'));
    expect(missing.engine).toBeNull();
    expect('reason' in missing && missing.reason).toMatch(/cannot load/);
    const partial = loadNashEngine(fake('not-a-binding.js'));
    expect('reason' in partial && partial.reason).toMatch(/lacks/);
  });

  it('strips only the certificate, leaving the response intact', () => {
    const r = { welfare: 1, equilibrium_proof: { nash_stable: true, certificate: { duals: [1, 2] } } };
    expect(stripCertificate(r)).toEqual({ welfare: 1, equilibrium_proof: { nash_stable: true } });
    expect(r.equilibrium_proof.certificate).toEqual({ duals: [1, 2] });
    expect(() => responseObject('null')).toThrow();
  });
});
