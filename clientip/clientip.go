// Package clientip says what a client's IP address counts as: the key
// per-address limits and sign-in failure counts use, and the network a log
// shows in place of the address. Every front end counts a client the same
// way, so a limit holds whichever one the client uses.
package clientip

import "net/netip"

// Key is what per-address limits count a client IP as: an IPv4 address (or
// an IPv4-mapped IPv6 one) as itself, an IPv6 address as its /64. One
// subscriber is routinely given a whole /64 and may use any address in it,
// so counting single IPv6 addresses would give one client 2^64 budgets. A
// string that is not an IP address stands for itself.
func Key(ip string) string {
	p, ok := network(ip, 32, 64)
	switch {
	case !ok:
		return ip
	case p.Addr().Is4():
		return p.Addr().String()
	}
	return p.String()
}

// Masked is an address as a log shows it: its /24 (IPv4) or /48 (IPv6)
// network, enough to see a provider or a flood, not a subscriber; "" for a
// string that is no IP address.
func Masked(ip string) string {
	p, ok := network(ip, 24, 48)
	if !ok {
		return ""
	}
	return p.String()
}

// network is ip's network of v4 bits (IPv4, IPv4-mapped IPv6 included) or
// v6 bits (IPv6); ok is false for a string that is no IP address.
func network(ip string, v4, v6 int) (netip.Prefix, bool) {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return netip.Prefix{}, false
	}
	bits := v6
	if addr = addr.Unmap().WithZone(""); addr.Is4() {
		bits = v4
	}
	p, err := addr.Prefix(bits)
	return p, err == nil
}
