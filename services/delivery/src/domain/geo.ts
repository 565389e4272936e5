/**
 * Great-circle geometry for "deliveries near me": haversine distance on a
 * sphere of the mean Earth radius (IUGG, 6371.0088 km), and a lat/lng bounding
 * box that contains every point within a radius, so SQL can prefilter on
 * indexed columns before the exact distance check in code.
 */

export interface LatLng {
  lat: number;
  lng: number;
}

/** Mean Earth radius (IUGG R1) in kilometres. */
export const EARTH_RADIUS_KM = 6371.0088;

const toRad = (deg: number) => (deg * Math.PI) / 180;
const toDeg = (rad: number) => (rad * 180) / Math.PI;

/** Great-circle distance in km between two points (haversine formula). */
export function haversineKm(a: LatLng, b: LatLng): number {
  const dLat = toRad(b.lat - a.lat);
  const dLng = toRad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(a.lat)) * Math.cos(toRad(b.lat)) * Math.sin(dLng / 2) ** 2;
  // Rounding can push h a hair above 1 for antipodal points.
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Distance as shown to riders: km rounded to 0.01. */
export function roundKm(km: number): number {
  return Math.round(km * 100) / 100;
}

/**
 * A box in degrees. Longitude may need two ranges when the box crosses the
 * antimeridian (±180°); a box that reaches a pole spans every longitude.
 */
export interface BoundingBox {
  minLat: number;
  maxLat: number;
  lngRanges: [number, number][];
}

/** Slack in degrees (~0.1 mm) so floating-point rounding never drops a point on the edge. */
const EPSILON_DEG = 1e-9;

/**
 * The smallest lat/lng box holding every point within `radiusKm` of `center`
 * (after J. P. Matuschek, "Finding Points Within a Distance of a
 * Latitude/Longitude Using Bounding Coordinates"). The longitude half-width is
 * the tangent-point bound asin(sin r / cos lat), not r / cos lat, which would
 * be too narrow near the poles.
 */
export function boundingBox(center: LatLng, radiusKm: number): BoundingBox {
  const r = radiusKm / EARTH_RADIUS_KM; // angular radius, radians
  const lat = toRad(center.lat);
  let minLat = toDeg(lat - r) - EPSILON_DEG;
  let maxLat = toDeg(lat + r) + EPSILON_DEG;
  const everyLng: [number, number][] = [[-180, 180]];
  if (maxLat >= 90 || minLat <= -90) {
    // The circle reaches a pole: every longitude can be within range.
    minLat = Math.max(minLat, -90);
    maxLat = Math.min(maxLat, 90);
    return { minLat, maxLat, lngRanges: everyLng };
  }
  const ratio = Math.sin(r) / Math.cos(lat);
  if (r >= Math.PI / 2 || ratio >= 1) return { minLat, maxLat, lngRanges: everyLng };
  const dLng = toDeg(Math.asin(ratio)) + EPSILON_DEG;
  const minLng = center.lng - dLng;
  const maxLng = center.lng + dLng;
  if (maxLng - minLng >= 360) return { minLat, maxLat, lngRanges: everyLng };
  if (minLng < -180) {
    return {
      minLat,
      maxLat,
      lngRanges: [
        [minLng + 360, 180],
        [-180, maxLng],
      ],
    };
  }
  if (maxLng > 180) {
    return {
      minLat,
      maxLat,
      lngRanges: [
        [minLng, 180],
        [-180, maxLng - 360],
      ],
    };
  }
  return { minLat, maxLat, lngRanges: [[minLng, maxLng]] };
}

export function boxContains(box: BoundingBox, p: LatLng): boolean {
  return p.lat >= box.minLat && p.lat <= box.maxLat && box.lngRanges.some(([lo, hi]) => p.lng >= lo && p.lng <= hi);
}
