/** How long a delivery is retried before it is given up on (the 24 h). */
export const DELIVERY_WINDOW_MS = 24 * 60 * 60 * 1000;
