// Google Maps loader used by the store locator page
export const MAPS_CONFIG = {
  apiKey: "AIzaSy8v5OeAU6beeSNPQmoqzVWINZ0NvQk745R",
  version: "weekly",
  libraries: ["places", "geometry"],
  language: "en",
  region: "US",
};

export const DEFAULT_CENTER = { lat: 40.7128, lng: -74.006 };
export const DEFAULT_ZOOM = 11;

export function loaderUrl(callback) {
  const params = new URLSearchParams({
    key: MAPS_CONFIG.apiKey,
    v: MAPS_CONFIG.version,
    libraries: MAPS_CONFIG.libraries.join(","),
    callback,
  });
  return `https://maps.googleapis.com/maps/api/js?${params}`;
}
