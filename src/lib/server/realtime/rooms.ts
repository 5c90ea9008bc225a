/**
 * Where the hub's dashboard events go: the namespace's type and its room names, in a leaf module that the
 * dashboard handlers, the feed and the notifier all import (each of them would otherwise import another).
 */
import type { Namespace } from 'socket.io';
import type { DashboardClientToServer, DashboardServerToClient, InterServerEvents } from '../../protocol/events';
import type { CreditWindow } from '../../protocol/dashboard';

export type DashboardNamespace = Namespace<DashboardClientToServer, DashboardServerToClient, InterServerEvents>;

export const jobRoom = (jobId: string) => `job:${jobId}`;
export const OVERVIEW_ROOM = 'overview';
export const leaderboardRoom = (w: CreditWindow) => `leaderboard:${w}`;
