package audit

import "sort"

const (
	dayMs    = 86_400_000
	ringDays = 30
)

// Traits mirrors the job's UserTraits: the reference state of one user.
type Traits struct {
	Count       int64
	Fingerprint uint64
	MaxSeq      int64
	FirstTs     int64
	LastTs      int64
	Totals      map[string]int64
	rings       map[string]*[ringDays]int64
	ringHeads   map[string]int64
	props       map[string]string
	propAt      map[string][2]int64
	Audiences   map[string]bool
}

// NewTraits returns the state of a user with no events.
func NewTraits() *Traits {
	return &Traits{
		MaxSeq:    -1,
		FirstTs:   int64(^uint64(0) >> 1),
		LastTs:    -int64(^uint64(0)>>1) - 1,
		Totals:    map[string]int64{},
		rings:     map[string]*[ringDays]int64{},
		ringHeads: map[string]int64{},
		props:     map[string]string{},
		propAt:    map[string][2]int64{},
		Audiences: map[string]bool{},
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// Apply counts one event.
func (t *Traits) Apply(e Event) {
	t.Count++
	t.Fingerprint += Fingerprint(e.Seq)
	t.MaxSeq = max(t.MaxSeq, e.Seq)
	t.FirstTs = min(t.FirstTs, e.Ts)
	t.LastTs = max(t.LastTs, e.Ts)
	t.Totals[e.Name]++
	t.bumpRing(e.Name, floorDiv(e.Ts, dayMs))
	for k, v := range e.Properties {
		at, ok := t.propAt[k]
		if !ok || e.Ts > at[0] || (e.Ts == at[0] && e.Seq > at[1]) {
			t.propAt[k] = [2]int64{e.Ts, e.Seq}
			t.props[k] = v
		}
	}
}

func (t *Traits) bumpRing(name string, day int64) {
	ring, ok := t.rings[name]
	head := t.ringHeads[name]
	if !ok {
		ring = &[ringDays]int64{}
		t.rings[name] = ring
		head = day
	}
	if day > head {
		if day-head >= ringDays {
			*ring = [ringDays]int64{}
		} else {
			for d := head + 1; d <= day; d++ {
				ring[floorMod(d, ringDays)] = 0
			}
		}
		head = day
	}
	t.ringHeads[name] = head
	if day > head-ringDays {
		ring[floorMod(day, ringDays)]++
	}
}

// Window counts events named name in the days calendar days (UTC) ending with LastTs's day.
func (t *Traits) Window(name string, days int64) int64 {
	ring, ok := t.rings[name]
	if !ok || t.Count == 0 {
		return 0
	}
	asOf := floorDiv(t.LastTs, dayMs)
	head := t.ringHeads[name]
	lo := max(asOf-days+1, head-ringDays+1)
	hi := min(head, asOf)
	var sum int64
	for d := lo; d <= hi; d++ {
		sum += ring[floorMod(d, ringDays)]
	}
	return sum
}

// Prop returns the last-seen value of a property, "" when never seen.
func (t *Traits) Prop(k string) string { return t.props[k] }

// Props returns a copy of the last-seen property values.
func (t *Traits) Props() map[string]string {
	m := make(map[string]string, len(t.props))
	for k, v := range t.props {
		m[k] = v
	}
	return m
}

// WindowCounts returns the non-zero windowed counts per event name, as the job's snapshot has them.
func (t *Traits) WindowCounts(days int64) map[string]int64 {
	m := map[string]int64{}
	for name := range t.Totals {
		if v := t.Window(name, days); v != 0 {
			m[name] = v
		}
	}
	return m
}

// AudienceList returns the sorted names of the audiences the user is in.
func (t *Traits) AudienceList() []string {
	l := make([]string, 0, len(t.Audiences))
	for a, in := range t.Audiences {
		if in {
			l = append(l, a)
		}
	}
	sort.Strings(l)
	return l
}
