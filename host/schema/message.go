package schema

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

// maxValueText bounds how much of a value a message quotes.
const maxValueText = 64

// message explains why row i broke rule r of column c. It runs only for
// bad rows, so it may box values.
func (c *column) message(r Reason, arr arrow.Array, i int) string {
	rule := c.rule
	switch r {
	case ReasonType:
		return c.typeErr
	case ReasonNotNull:
		if arr == nil {
			return fmt.Sprintf("column %q is missing from the source and may not be NULL", c.name)
		}
		return fmt.Sprintf("column %q is NULL", c.name)
	case ReasonAcceptedValues:
		return fmt.Sprintf("column %q: value %s is not one of %s", c.name, valueText(arr, i), quoteList(rule.AcceptedValues))
	case ReasonRegex:
		return fmt.Sprintf("column %q: value %s does not match %s", c.name, valueText(arr, i), rule.Regex)
	case ReasonRange:
		switch {
		case rule.Min == "":
			return fmt.Sprintf("column %q: value %s is above max %s", c.name, valueText(arr, i), rule.Max)
		case rule.Max == "":
			return fmt.Sprintf("column %q: value %s is below min %s", c.name, valueText(arr, i), rule.Min)
		}
		return fmt.Sprintf("column %q: value %s is outside [%s, %s]", c.name, valueText(arr, i), rule.Min, rule.Max)
	case ReasonMaxLength:
		return fmt.Sprintf("column %q: value %s is longer than max_length %d", c.name, valueText(arr, i), rule.MaxLength)
	case ReasonUnique:
		return fmt.Sprintf("column %q: value %s is a duplicate within this load", c.name, valueText(arr, i))
	}
	return fmt.Sprintf("column %q: %s", c.name, r)
}

// valueText renders a value for a message: strings quoted, long values
// cut.
func valueText(arr arrow.Array, i int) string {
	s := arr.ValueStr(i)
	if utf8.RuneCountInString(s) > maxValueText {
		s = string([]rune(s)[:maxValueText]) + "..."
	}
	switch arr.DataType().ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return strconv.Quote(s)
	}
	return s
}
