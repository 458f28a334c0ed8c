// Links out of the app: the customer's phone to the dialer, an address to the map app the
// technician chose in 设置. Each is the href of a real link (the shell's `open_link` opens
// it through the system and refuses any other kind). The map links are the apps' documented
// URIs: `geo:` for whichever map the system offers, and the web URIs of 高德 (uri.amap.com),
// 百度 (api.map.baidu.com/geocoder) and 腾讯 (apis.map.qq.com/uri), which open the app when it
// is installed and the map in a browser when it is not.
import type { MapApp } from './bindings';

/** Who the map apps are told is asking (their URI APIs ask for a source name). */
const SOURCE = 'hearth';

/** The phone number as a `tel:` link: digits and a leading +, spaces and dashes dropped. */
export function telHref(phone: string): string | null {
  const digits = phone.replace(/[\s\-()（）]/g, '');
  return /^\+?\d{3,}$/.test(digits) ? `tel:${digits}` : null;
}

/** The city an address names at its start ("天津市和平区…" → "天津市"), if it does. */
function city(address: string): string | null {
  const m = /^(.{2,6}?市)/.exec(address);
  return m ? m[1] : null;
}

/** The address as a link to `app`. */
export function mapHref(app: MapApp, address: string): string | null {
  const a = address.trim();
  if (!a) return null;
  const q = encodeURIComponent(a);
  switch (app) {
    case 'amap':
      return `https://uri.amap.com/search?keyword=${q}&src=${SOURCE}&callnative=1`;
    case 'baidu':
      return `https://api.map.baidu.com/geocoder?address=${q}&output=html&src=${SOURCE}`;
    case 'tencent': {
      const region = city(a);
      return `https://apis.map.qq.com/uri/v1/search?keyword=${q}${region ? `&region=${encodeURIComponent(region)}` : ''}&referer=${SOURCE}`;
    }
    default:
      return `geo:0,0?q=${q}`;
  }
}

export const mapApps: MapApp[] = ['system', 'amap', 'baidu', 'tencent'];
