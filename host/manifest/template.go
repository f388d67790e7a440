package manifest

import (
	"fmt"
	"io"
	"strings"

	"github.com/nikolalohinski/gonja/v2"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
)

// maxRenderPasses bounds how deep vars may reference other vars.
const maxRenderPasses = 5

// templates compiles and caches Jinja templates for one Parse call.
type templates struct {
	cfg   *config.Config
	cache map[string]*exec.Template
}

func newTemplates() *templates {
	cfg := config.New()
	cfg.StrictUndefined = true // a misspelt var is an error, never ""
	cfg.KeepTrailingNewline = true
	return &templates{cfg: cfg, cache: map[string]*exec.Template{}}
}

// isTemplate reports whether s contains Jinja syntax.
func isTemplate(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%") || strings.Contains(s, "{#")
}

// render renders src with ctx as its variables.
func (t *templates) render(src string, ctx map[string]any) (string, error) {
	tpl, ok := t.cache[src]
	if !ok {
		var err error
		tpl, err = exec.NewTemplate("manifest", t.cfg, oneTemplate(src), gonja.DefaultEnvironment)
		if err != nil {
			return "", fmt.Errorf("%s", cleanTemplateErr(err))
		}
		t.cache[src] = tpl
	}
	out, err := tpl.ExecuteToString(exec.NewContext(ctx))
	if err != nil {
		return "", fmt.Errorf("%s", cleanTemplateErr(err))
	}
	return out, nil
}

// cleanTemplateErr drops gonja's wrapping ("unable to execute template:
// Unable to render expression at line 1: ...") and keeps the cause.
func cleanTemplateErr(err error) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "failed to parse template '"); ok {
		// "failed to parse template '<source>': <cause>"
		if i := strings.LastIndex(rest, "': "); i >= 0 {
			return rest[i+3:]
		}
		return rest
	}
	// execution errors nest "context: context: cause"; keep the cause.
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// oneTemplate is a gonja loader holding a single template; includes and
// imports are refused.
type oneTemplate string

func (o oneTemplate) Read(path string) (io.Reader, error) {
	if path != "manifest" {
		return nil, fmt.Errorf("templates in a manifest cannot load %q", path)
	}
	return strings.NewReader(string(o)), nil
}

func (o oneTemplate) Resolve(path string) (string, error) { return path, nil }

func (o oneTemplate) Inherit(string) (loaders.Loader, error) { return o, nil }

// renderUnit renders vars until they settle, then every other string of
// the unit once with the final vars.
func (b *builder) renderUnit(u *Unit) {
	vars := u.doc.get("vars")
	failed := map[*node]bool{}
	orig := map[*node]string{}
	for pass := 0; pass < maxRenderPasses; pass++ {
		ctx, _ := vars.value().(map[string]any)
		changed := false
		walkStrings(vars, "vars", func(n *node, path string) {
			if failed[n] || !isTemplate(n.str()) {
				return
			}
			out, err := b.tmpl.render(n.str(), ctx)
			if err != nil {
				failed[n] = true
				b.p.add(ErrTemplate, n.line, u.ID, "%s: template %q: %v", path, n.str(), err)
				return
			}
			if out != n.val {
				if _, ok := orig[n]; !ok {
					orig[n] = n.str()
				}
				n.val, changed = out, true
			}
		})
		if !changed {
			break
		}
	}
	walkStrings(vars, "vars", func(n *node, path string) {
		if !failed[n] && isTemplate(n.str()) {
			src, ok := orig[n]
			if !ok {
				src = n.str()
			}
			b.p.add(ErrTemplate, n.line, u.ID, "%s: template %q does not settle after %d passes (does it refer to itself?)", path, src, maxRenderPasses)
		}
	})
	ctx, _ := vars.value().(map[string]any)
	u.Vars = ctx
	for _, k := range u.doc.keys {
		if k == "vars" {
			continue
		}
		walkStrings(u.doc.m[k], k, func(n *node, path string) {
			if !isTemplate(n.str()) {
				return
			}
			out, err := b.tmpl.render(n.str(), ctx)
			if err != nil {
				b.p.add(ErrTemplate, n.line, u.ID, "%s: template %q: %v", path, n.str(), err)
				return
			}
			n.val = out
		})
	}
}

// renderNaming renders a naming template for u; ok is false on error.
func (b *builder) renderNaming(u *Unit, key string) (*node, bool) {
	n := b.root.get("naming").get(key)
	if n == nil || n.str() == "" {
		return nil, false
	}
	out, err := b.tmpl.render(n.str(), u.Vars)
	if err != nil {
		b.p.add(ErrTemplate, n.line, u.ID, "naming.%s: template %q: %v", key, n.str(), err)
		return nil, false
	}
	return scalar(out, n.line, "naming"), true
}

// walkStrings calls fn for every string scalar under n.
func walkStrings(n *node, path string, fn func(n *node, path string)) {
	if n == nil {
		return
	}
	switch n.kind {
	case mapNode:
		for _, k := range n.keys {
			walkStrings(n.m[k], path+"."+k, fn)
		}
	case listNode:
		for i, c := range n.list {
			walkStrings(c, fmt.Sprintf("%s[%d]", path, i), fn)
		}
	default:
		if _, ok := n.val.(string); ok {
			fn(n, path)
		}
	}
}
