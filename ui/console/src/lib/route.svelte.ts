// The screen shown, from the address's hash (`#/records/<id>`), so a reload or a shared
// link opens the same screen and the browser's back button works.

export type Screen = 'intake' | 'board' | 'records' | 'conflicts' | 'kpis' | 'log' | 'admin' | 'print';

export const route = $state<{ screen: Screen; id: string | null }>(parse(location.hash));

export function parse(hash: string): { screen: Screen; id: string | null } {
  const [, screen, id] = hash.replace(/^#/, '').split('/');
  const known: Screen[] = ['intake', 'board', 'records', 'conflicts', 'kpis', 'log', 'admin', 'print'];
  return known.includes(screen as Screen) ? { screen: screen as Screen, id: id || null } : { screen: 'intake', id: null };
}

addEventListener('hashchange', () => {
  const next = parse(location.hash);
  route.screen = next.screen;
  route.id = next.id;
});

export function go(screen: Screen, id?: string): void {
  location.hash = id ? `#/${screen}/${id}` : `#/${screen}`;
}
