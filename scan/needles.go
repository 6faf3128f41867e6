package scan

// matcher finds every occurrence of a set of ASCII patterns in a text,
// ignoring ASCII case: an Aho-Corasick automaton compiled to a dense DFA
// over byte classes, its transitions premultiplied. Scan runs it over
// every line of a log, so its inner loop is two table loads per byte. It
// is hand-written because the one Go library that matches overlapping
// occurrences without case (github.com/petar-dambovaliev/aho-corasick)
// ran at 235 MB/s on the benchmark audit log where this runs at 520-555
// MB/s (measured side by side on 2026-12-02; BenchmarkMatcher keeps the
// figure beside a search per needle).
type matcher struct {
	class   [256]uint8 // byte -> class; letters fold to lower case
	classes int
	// next[s*classes+c] is the state after reading a byte of class c in
	// state s, as its row offset (state*classes), with matchFlag set when
	// patterns end there.
	next []uint32
	// out[s] lists the patterns that end at the byte that led to s.
	out [][]int32
	// lens[p] is the length of pattern p.
	lens []int
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// newMatcher compiles patterns (compared in ASCII lower case).
func newMatcher(patterns []string) *matcher {
	m := &matcher{}
	// Byte classes: one per distinct (lowered) pattern byte, 0 for the
	// rest.
	var id [256]uint8
	n := 1
	for _, p := range patterns {
		for i := 0; i < len(p); i++ {
			c := lowerASCII(p[i])
			if id[c] == 0 {
				id[c] = uint8(n)
				n++
			}
		}
	}
	for b := 0; b < 256; b++ {
		m.class[b] = id[lowerASCII(byte(b))]
	}
	m.classes = n
	// The trie: goto[s][c], -1 for none.
	type node struct {
		child []int32
		fail  int32
		out   []int32
	}
	newNode := func() node {
		c := make([]int32, n)
		for i := range c {
			c[i] = -1
		}
		return node{child: c}
	}
	nodes := []node{newNode()}
	for pi, p := range patterns {
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := m.class[p[i]]
			if nodes[s].child[c] < 0 {
				nodes = append(nodes, newNode())
				nodes[s].child[c] = int32(len(nodes) - 1)
			}
			s = nodes[s].child[c]
		}
		nodes[s].out = append(nodes[s].out, int32(pi))
		m.lens = append(m.lens, len(p))
	}
	// Breadth first: failure links, outputs through them, and the dense
	// transitions (a missing child goes where the failure state goes).
	m.next = make([]uint32, len(nodes)*n)
	m.out = make([][]int32, len(nodes))
	queue := []int32{}
	for c := 0; c < n; c++ {
		if ch := nodes[0].child[c]; ch >= 0 {
			nodes[ch].fail = 0
			queue = append(queue, ch)
			m.next[c] = uint32(ch)
		}
	}
	m.out[0] = nodes[0].out
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		f := nodes[s].fail
		m.out[s] = append(append([]int32(nil), nodes[s].out...), m.out[f]...)
		for c := 0; c < n; c++ {
			if ch := nodes[s].child[c]; ch >= 0 {
				nodes[ch].fail = int32(m.next[int(f)*n+c])
				queue = append(queue, ch)
				m.next[int(s)*n+c] = uint32(ch)
			} else {
				m.next[int(s)*n+c] = m.next[int(f)*n+c]
			}
		}
	}
	// Premultiply: a transition holds the row offset of its target, so
	// the loop needs no multiplication.
	for i, t := range m.next {
		v := t * uint32(n)
		if len(m.out[t]) > 0 {
			v |= matchFlag
		}
		m.next[i] = v
	}
	return m
}

// matchFlag marks, in a transition, a state at which patterns end.
const matchFlag = 1 << 31

// each calls f(pattern, end) for every occurrence of a pattern in text,
// overlapping ones included; end is the index after its last byte. It
// returns every byte of text OR-ed together (>= 0x80: text is not ASCII).
func (m *matcher) each(text []byte, f func(p int32, end int)) (or byte) {
	s := uint32(0)
	n := uint32(m.classes)
	next, class := m.next, &m.class
	for i, b := range text {
		or |= b
		s = next[s+uint32(class[b])]
		if s&matchFlag != 0 {
			s &^= matchFlag
			for _, p := range m.out[s/n] {
				f(p, i+1)
			}
		}
	}
	return or
}
