/**
 * Open volunteer sockets per identity and per network, on this hub process: sockets are what leases and
 * sessions hang on, so one person opening hundreds would hold work and rows out of all proportion.
 * In memory: a socket lives and dies with its process, and so does its count.
 */
export interface SocketCapLimits {
	perIdentity: number;
	/** 0: no cap per network. */
	perNetwork: number;
}

export class SocketCaps {
	private readonly byIdentity = new Map<string, number>();
	private readonly byNetwork = new Map<string, number>();

	constructor(private readonly limits: SocketCapLimits) {}

	/** Whether a socket of `network` may open at all (checked before an identity is issued to it). */
	networkFull(network: string): boolean {
		return this.limits.perNetwork > 0 && (this.byNetwork.get(network) ?? 0) >= this.limits.perNetwork;
	}

	/** Counts one socket in, or null when either cap is reached; the returned release is idempotent. */
	take(volunteerId: string, network: string): (() => void) | null {
		if (this.networkFull(network) || (this.byIdentity.get(volunteerId) ?? 0) >= this.limits.perIdentity) return null;
		bump(this.byIdentity, volunteerId, 1);
		bump(this.byNetwork, network, 1);
		let released = false;
		return () => {
			if (released) return;
			released = true;
			bump(this.byIdentity, volunteerId, -1);
			bump(this.byNetwork, network, -1);
		};
	}
}

function bump(counts: Map<string, number>, key: string, by: number) {
	const n = (counts.get(key) ?? 0) + by;
	if (n > 0) counts.set(key, n);
	else counts.delete(key);
}
