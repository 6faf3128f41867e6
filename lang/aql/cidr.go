package aql

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

// ParseCIDR parses the first argument of INCIDR: an IPv4 or IPv6 CIDR
// ('10.0.0.0/8', '2001:db8::/32') or a bare address, which IBM's own IPv6
// example uses (INCIDR('ff02:0:0:0:0:1:ff2f:29d6', destinationv6)) and which
// stands for the single host. Host bits are cleared ('192.168.122.84/10', as
// stix-shifter emits, is 192.128.0.0/10), and an IPv4-mapped IPv6 prefix
// (::ffff:10.0.0.0/104) becomes the IPv4 prefix it denotes, so that it
// matches plain IPv4 addresses. Zones (fe80::1%eth0) are not CIDR syntax and
// are rejected.
func ParseCIDR(s string) (netip.Prefix, error) {
	bad := func(why string) (netip.Prefix, error) {
		return netip.Prefix{}, errors.New(strconv.Quote(s) + " is not a CIDR: " + why)
	}
	if strings.Contains(s, "%") {
		return bad("zones are not allowed")
	}
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return bad("want address/bits, e.g. 10.0.0.0/8 or 2001:db8::/32")
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return bad("want address/bits, e.g. 10.0.0.0/8 or 2001:db8::/32")
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}
