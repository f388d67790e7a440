package kafka

import (
	"regexp"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// selector matches topics by name, or by a /regex/ entry.
type selector struct {
	names    map[string]bool
	patterns []*regexp.Regexp
}

func newSelector(entries []string) (*selector, error) {
	s := &selector{names: map[string]bool{}}
	for _, e := range entries {
		if len(e) > 2 && strings.HasPrefix(e, "/") && strings.HasSuffix(e, "/") {
			re, err := regexp.Compile("^(?:" + e[1:len(e)-1] + ")$")
			if err != nil {
				return nil, sdk.Errorf(sdk.CodeConfig, "topic pattern %s: %w", e, err)
			}
			s.patterns = append(s.patterns, re)
			continue
		}
		s.names[e] = true
	}
	return s, nil
}

// match reports whether topic is selected; an empty selector selects all.
func (s *selector) match(topic string) bool {
	if len(s.names) == 0 && len(s.patterns) == 0 {
		return true
	}
	if s.names[topic] {
		return true
	}
	for _, re := range s.patterns {
		if re.MatchString(topic) {
			return true
		}
	}
	return false
}
