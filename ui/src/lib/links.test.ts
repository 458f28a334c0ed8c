import { describe, expect, it } from 'vitest';
import { mapHref, telHref } from './links';

describe('links out of the app', () => {
  it('dials the number as typed, without its spaces and dashes', () => {
    expect(telHref('138 0000-1111')).toBe('tel:13800001111');
    expect(telHref('+86 22 2345 6789')).toBe('tel:+862223456789');
    expect(telHref('')).toBeNull();
    expect(telHref('无')).toBeNull();
  });

  it('opens the address in the chosen map app, encoded', () => {
    const address = '和平区南京路12号 3号楼';
    const q = encodeURIComponent(address);
    expect(mapHref('system', address)).toBe(`geo:0,0?q=${q}`);
    expect(mapHref('amap', address)).toBe(`https://uri.amap.com/search?keyword=${q}&src=hearth&callnative=1`);
    expect(mapHref('baidu', address)).toBe(`https://api.map.baidu.com/geocoder?address=${q}&output=html&src=hearth`);
    expect(mapHref('tencent', address)).toBe(`https://apis.map.qq.com/uri/v1/search?keyword=${q}&referer=hearth`);
    expect(mapHref('tencent', '天津市和平区南京路12号')).toContain(`&region=${encodeURIComponent('天津市')}&`);
    expect(mapHref('amap', '  ')).toBeNull();
    expect(mapHref('baidu', address)).not.toMatch(/\s/);
  });
});
