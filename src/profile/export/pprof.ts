/**
 * pprof (profile.proto) through the `pprof-format` package: one Sample per distinct stack with
 * two values, samples and CPU time, locations leaf first as pprof wants them.
 */
import { Function as PFunction, Line, Location, Profile as PProfile, Sample, StringTable, ValueType } from 'pprof-format';
import { stacksOf, type Profile } from '../../model/profile.js';

export function serializePprof(p: Profile): Uint8Array {
  const strings = new StringTable();
  const functions: PFunction[] = [];
  const locations: Location[] = [];
  const byName = new Map<string, number>();
  const locationOf = (name: string): number => {
    let id = byName.get(name);
    if (id === undefined) {
      id = locations.length + 1;
      functions.push(new PFunction({ id, name: strings.dedup(name), systemName: strings.dedup(name) }));
      locations.push(new Location({ id, line: [new Line({ functionId: id })] }));
      byName.set(name, id);
    }
    return id;
  };
  const unit = p.unit === 'nanoseconds' ? 'nanoseconds' : p.unit === 'microseconds' ? 'microseconds' : 'count';
  const valueType = [new ValueType({ type: strings.dedup('cpu'), unit: strings.dedup(unit) })];
  const samples: Sample[] = [];
  for (const s of stacksOf(p)) {
    const ids = s.frames.map(locationOf).reverse();
    samples.push(new Sample({ locationId: ids, value: [Math.round(s.weight)] }));
  }
  const prof = new PProfile({ sampleType: valueType, sample: samples, location: locations, function: functions, stringTable: strings, periodType: valueType[0], period: 1 });
  return prof.encode();
}
