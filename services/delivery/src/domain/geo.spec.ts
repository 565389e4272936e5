import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { boundingBox, boxContains, EARTH_RADIUS_KM, haversineKm, roundKm, type LatLng } from './geo.ts';

const seoulCityHall = { lat: 37.5663, lng: 126.9779 };
const gangnamStation = { lat: 37.4979, lng: 127.0276 };

/** The point reached from `from` after `km` on the initial bearing `bearingDeg` (great circle). */
function destination(from: LatLng, bearingDeg: number, km: number): LatLng {
  const rad = Math.PI / 180;
  const d = km / EARTH_RADIUS_KM;
  const lat1 = from.lat * rad;
  const lng1 = from.lng * rad;
  const brg = bearingDeg * rad;
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(brg));
  const lng2 =
    lng1 + Math.atan2(Math.sin(brg) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
  // Normalise to [-180, 180].
  const lng = ((((lng2 / rad + 540) % 360) + 360) % 360) - 180;
  return { lat: lat2 / rad, lng };
}

const latArb = fc.double({ min: -90, max: 90, noNaN: true });
const lngArb = fc.double({ min: -180, max: 180, noNaN: true });
const pointArb = fc.record({ lat: latArb, lng: lngArb });

describe('haversineKm', () => {
  it('when measuring Seoul City Hall to Gangnam station, then it is about 8.8 km', () => {
    expect(haversineKm(seoulCityHall, gangnamStation)).toBeCloseTo(8.78, 2);
  });

  it('when measuring known city pairs, then it matches published great-circle distances', () => {
    // London - Paris about 343.5 km, JFK - Heathrow about 5540 km.
    expect(haversineKm({ lat: 51.5074, lng: -0.1278 }, { lat: 48.8566, lng: 2.3522 })).toBeCloseTo(343.56, 1);
    expect(haversineKm({ lat: 40.6413, lng: -73.7781 }, { lat: 51.47, lng: -0.4543 })).toBeCloseTo(5540.0, 0);
  });

  it('when measuring along a meridian or to the antipode, then it follows from the radius', () => {
    expect(haversineKm({ lat: 0, lng: 0 }, { lat: 1, lng: 0 })).toBeCloseTo((Math.PI * EARTH_RADIUS_KM) / 180, 6);
    expect(haversineKm({ lat: 0, lng: 0 }, { lat: 90, lng: 0 })).toBeCloseTo((Math.PI * EARTH_RADIUS_KM) / 2, 6);
    // Haversine is ill-conditioned at the antipode; metres are still right.
    expect(haversineKm({ lat: 10, lng: 20 }, { lat: -10, lng: -160 })).toBeCloseTo(Math.PI * EARTH_RADIUS_KM, 2);
  });

  it('when crossing the antimeridian, then the short way round is measured', () => {
    const d = haversineKm({ lat: 0, lng: 179.99 }, { lat: 0, lng: -179.99 });
    expect(d).toBeCloseTo((0.02 * Math.PI * EARTH_RADIUS_KM) / 180, 6);
  });

  it('when both points are the same, then the distance is zero', () => {
    fc.assert(fc.property(pointArb, (p) => haversineKm(p, p) === 0));
  });

  it('when the points are swapped, then the distance is the same', () => {
    fc.assert(fc.property(pointArb, pointArb, (a, b) => Math.abs(haversineKm(a, b) - haversineKm(b, a)) < 1e-9));
  });

  it('when any two points are measured, then the distance is between 0 and half the circumference', () => {
    fc.assert(
      fc.property(pointArb, pointArb, (a, b) => {
        const d = haversineKm(a, b);
        return d >= 0 && d <= Math.PI * EARTH_RADIUS_KM + 1e-6;
      }),
    );
  });
});

describe('roundKm', () => {
  it('when rounding, then two decimals remain', () => {
    expect(roundKm(8.778019)).toBe(8.78);
    expect(roundKm(0.004)).toBe(0);
    expect(roundKm(2.999)).toBe(3);
  });
});

describe('boundingBox', () => {
  it('when the center is in Seoul, then one longitude range around it is enough', () => {
    const box = boundingBox(seoulCityHall, 3);
    expect(box.lngRanges).toHaveLength(1);
    expect(box.maxLat - box.minLat).toBeCloseTo((2 * 3 * 180) / (Math.PI * EARTH_RADIUS_KM), 6);
    expect(boxContains(box, seoulCityHall)).toBe(true);
    expect(boxContains(box, gangnamStation)).toBe(false);
    expect(boxContains(boundingBox(seoulCityHall, 10), gangnamStation)).toBe(true);
  });

  it('when the circle crosses the antimeridian, then the box wraps into two ranges', () => {
    const box = boundingBox({ lat: 0, lng: 179.99 }, 5);
    expect(box.lngRanges).toHaveLength(2);
    expect(boxContains(box, { lat: 0, lng: -179.99 })).toBe(true);
    expect(boxContains(box, { lat: 0, lng: 0 })).toBe(false);
  });

  it('when the circle reaches a pole, then every longitude is in the box', () => {
    const box = boundingBox({ lat: 89.99, lng: 10 }, 5);
    expect(box.lngRanges).toEqual([[-180, 180]]);
    expect(box.maxLat).toBe(90);
  });

  it('when a point lies within the radius, then the box contains it', () => {
    fc.assert(
      fc.property(
        pointArb,
        fc.double({ min: 0.001, max: 20, noNaN: true }),
        fc.double({ min: 0, max: 360, noNaN: true, maxExcluded: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (center, radiusKm, bearing, fraction) => {
          const p = destination(center, bearing, radiusKm * fraction);
          fc.pre(haversineKm(center, p) <= radiusKm);
          return boxContains(boundingBox(center, radiusKm), p);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('when a nearby point lies within a large radius, then the box contains it', () => {
    fc.assert(
      fc.property(
        pointArb,
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.double({ min: 0.001, max: 500, noNaN: true }),
        (center, dLat, dLng, radiusKm) => {
          const p = { lat: Math.max(-90, Math.min(90, center.lat + dLat)), lng: center.lng + dLng };
          if (p.lng > 180) p.lng -= 360;
          if (p.lng < -180) p.lng += 360;
          fc.pre(haversineKm(center, p) <= radiusKm);
          return boxContains(boundingBox(center, radiusKm), p);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
