/** A volunteer's end of the hub connection, typed by the one protocol (the browser tab and the headless volunteer both hold one). */
import type { Socket } from 'socket.io-client';
import type { VolunteerClientToServer, VolunteerServerToClient } from '../protocol/events';

export type VolunteerSocket = Socket<VolunteerServerToClient, VolunteerClientToServer>;
