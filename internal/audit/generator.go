package audit

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The generation algorithm mirrors examples/audiences EventGenerator.java bit for bit:
// h = mix(seed + G*(seq+1)); r_k = mix(h + G*(k+1)), arithmetic modulo 2^64.
const golden uint64 = 0x9E3779B97F4A7C15

var (
	plans     = []string{"free", "pro", "enterprise"}
	countries = []string{"US", "DE", "FR", "BR", "JP"}
	sources   = []string{"web", "ios", "android"}
)

// GenConfig is the generator's input; the job's flags of the same names set it.
type GenConfig struct {
	Seed      int64
	Events    int64
	Users     int64
	SpacingMs int64
	BaseTs    int64
}

// DefaultGenConfig matches the job's defaults.
func DefaultGenConfig() GenConfig {
	return GenConfig{Seed: 42, Events: 1_000_000, Users: 10_000, SpacingMs: 3_000, BaseTs: 1_767_225_600_000}
}

// Validate reports configuration the job would also reject.
func (c GenConfig) Validate() error {
	if c.Users <= 0 {
		return fmt.Errorf("users must be > 0, got %d", c.Users)
	}
	if c.SpacingMs < 0 {
		return fmt.Errorf("spacing-ms must be >= 0, got %d", c.SpacingMs)
	}
	if c.Events < 0 {
		return fmt.Errorf("events must be >= 0, got %d", c.Events)
	}
	return nil
}

// Event is one generated track or identify event.
type Event struct {
	Seq        int64
	UserID     string
	Type       string
	Name       string
	Ts         int64
	Properties map[string]string
}

// Mix64 is the splitmix64 finalizer.
func Mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// Fingerprint is the per-event term whose sum over a user's events identifies the set of seqs.
func Fingerprint(seq int64) uint64 {
	return Mix64(uint64(seq)*golden + 0x632BE59BD9B4E019)
}

// Generate returns event number seq; c must be valid.
func Generate(c GenConfig, seq int64) Event {
	h := Mix64(uint64(c.Seed) + golden*uint64(seq+1))
	r := func(k uint64) uint64 { return Mix64(h + golden*(k+1)) }
	r0, r1, r2, r3, r4 := r(0), r(1), r(2), r(3), r(4)

	e := Event{
		Seq:        seq,
		UserID:     "u" + strconv.FormatUint(r0%uint64(c.Users), 10),
		Ts:         c.BaseTs + seq*c.SpacingMs,
		Properties: map[string]string{},
	}
	if c.SpacingMs > 0 {
		e.Ts += int64(r2 % uint64(c.SpacingMs))
	}
	kind := r1 % 100
	if kind < 10 {
		e.Type, e.Name = "identify", "Identify"
		e.Properties["plan"] = plans[r3%uint64(len(plans))]
		e.Properties["country"] = countries[r4%uint64(len(countries))]
		return e
	}
	e.Type = "track"
	switch {
	case kind < 50:
		e.Name = "Page Viewed"
	case kind < 75:
		e.Name = "Product Viewed"
		e.Properties["sku"] = "sku-" + strconv.FormatUint(r4%500, 10)
	case kind < 87:
		e.Name = "Added To Cart"
	case kind < 92:
		e.Name = "Order Completed"
		e.Properties["revenue"] = strconv.FormatUint(r4%50000, 10)
	default:
		e.Name = "Signed In"
	}
	e.Properties["source"] = sources[r3%uint64(len(sources))]
	return e
}

// JSON renders the canonical line that the Java generator's Event.toJson also prints.
func (e Event) JSON() string {
	var b strings.Builder
	b.WriteString(`{"seq":`)
	b.WriteString(strconv.FormatInt(e.Seq, 10))
	b.WriteString(`,"userId":`)
	writeJSONString(&b, e.UserID)
	b.WriteString(`,"type":`)
	writeJSONString(&b, e.Type)
	b.WriteString(`,"event":`)
	writeJSONString(&b, e.Name)
	b.WriteString(`,"ts":`)
	b.WriteString(strconv.FormatInt(e.Ts, 10))
	b.WriteString(`,"properties":{`)
	keys := make([]string, 0, len(e.Properties))
	for k := range e.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, k)
		b.WriteByte(':')
		writeJSONString(&b, e.Properties[k])
	}
	b.WriteString("}}")
	return b.String()
}

func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, c := range s {
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				fmt.Fprintf(b, `\u%04x`, c)
			} else {
				b.WriteRune(c)
			}
		}
	}
	b.WriteByte('"')
}
