package explore

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/concviz/concviz/engine"
)

// Link returns the page's permalink of a go-policy run of a catalog
// scenario with the given seed and interventions, opened at its end: the
// query static/settings.js writes (urlQuery) and reads (readURL), in its
// order, "/s/ID?seed=S&policy=go&iv=STEP:rG,STEP:sK&step=end".
func Link(scenario string, seed uint64, ivs []engine.InterventionSpec) string {
	var b strings.Builder
	b.WriteString("/s/" + url.PathEscape(scenario) + "?seed=")
	b.WriteString(strconv.FormatUint(seed, 10))
	b.WriteString("&policy=" + engine.PolicyGo.String())
	if len(ivs) > 0 {
		b.WriteString("&iv=" + url.QueryEscape(engine.JoinInterventions(ivs)))
	}
	b.WriteString("&step=end")
	return b.String()
}

// SetLinks fills in each outcome's Link for a search of a catalog scenario
// run with seed.
func (r *Result) SetLinks(scenario string, seed uint64) {
	for i := range r.Outcomes {
		r.Outcomes[i].Link = Link(scenario, seed, r.Outcomes[i].Schedule)
	}
}
