// The stations and field staff, loaded once per login: the names the screens show for ids,
// and the choices of the filters and the assignment menus.

import { get } from './api';
import type { CrewMember, Roster, Station } from './types';

export const roster = $state<{ stations: Station[]; crew: CrewMember[]; loaded: boolean }>({
  stations: [],
  crew: [],
  loaded: false,
});

export async function loadRoster(): Promise<void> {
  const r = await get<Roster>('/v1/console/roster');
  roster.stations = r.stations;
  roster.crew = r.crew;
  roster.loaded = true;
}

export function stationName(id: string | null | undefined): string {
  return roster.stations.find((s) => s.id === id)?.name ?? '';
}

export function crewName(id: string | null | undefined): string {
  const m = roster.crew.find((c) => c.id === id);
  return m ? `${m.display_name} (${m.username})` : '';
}
