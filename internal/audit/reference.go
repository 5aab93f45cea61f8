package audit

// Change is one audience enter or exit.
type Change struct {
	UserID   string `json:"userId"`
	Audience string `json:"audience"`
	Change   string `json:"change"` // enter or exit
	Count    int64  `json:"count"`  // the user's event count when it happened
	Seq      int64  `json:"seq"`    // the event that caused it
	Ts       int64  `json:"ts"`
}

// RefUser is the offline truth for one user.
type RefUser struct {
	Traits  *Traits
	Changes []Change
}

// Reference recomputes every user's traits and audience history from the generator.
// Events are applied in (ts, seq) order, which is seq order because ts grows with seq.
func Reference(c GenConfig, rules []Rule) map[string]*RefUser {
	users := map[string]*RefUser{}
	for seq := int64(0); seq < c.Events; seq++ {
		referenceStep(users, rules, Generate(c, seq))
	}
	return users
}

// referenceStep applies one event to its user and records the audience changes it causes.
func referenceStep(users map[string]*RefUser, rules []Rule, e Event) *RefUser {
	u := users[e.UserID]
	if u == nil {
		u = &RefUser{Traits: NewTraits()}
		users[e.UserID] = u
	}
	t := u.Traits
	t.Apply(e)
	for _, r := range rules {
		now := r.Matches(t)
		if now == t.Audiences[r.Name] {
			continue
		}
		t.Audiences[r.Name] = now
		kind := "exit"
		if now {
			kind = "enter"
		}
		u.Changes = append(u.Changes, Change{UserID: e.UserID, Audience: r.Name, Change: kind, Count: t.Count, Seq: e.Seq, Ts: e.Ts})
	}
	return u
}
