package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit statuses.
const (
	exitOK     = 0 // done; for explain: CloudFront would accept
	exitFailed = 1 // refused, or failed (a key that cannot be read, an expired policy, …)
	exitUsage  = 2 // bad flags or arguments
)

// env is what a command reads and writes.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// command is one cfhls subcommand.
type command struct {
	name     string
	synopsis string // after "cfhls NAME "
	summary  string // one line for the command list
	help     string // what it does and examples, after the synopsis
	run      func(e *env, c *command, args []string) int
}

var commands []*command

func init() {
	// Assigned here, not in the declaration, because the help command refers
	// to the list.
	commands = []*command{keygenCommand, signCommand, cookiesCommand, rewriteCommand, explainCommand, helpCommand}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func dispatch(e *env, args []string) int {
	if len(args) == 0 {
		topUsage(e.stderr)
		return exitUsage
	}
	switch name := args[0]; name {
	case "-h", "-help", "--help":
		topUsage(e.stdout)
		return exitOK
	default:
		c := lookup(name)
		if c == nil {
			if strings.HasPrefix(name, "-") {
				fmt.Fprintf(e.stderr, "cfhls: flags go after the command: cfhls COMMAND [flags]\n")
			} else {
				fmt.Fprintf(e.stderr, "cfhls: unknown command %q\n", name)
			}
			fmt.Fprint(e.stderr, helpHint)
			return exitUsage
		}
		return c.run(e, c, args[1:])
	}
}

// helpHint ends a usage error of cfhls itself: the error, then where the
// commands are listed.
const helpHint = "Run \"cfhls help\" for the commands.\n"

func topUsage(w io.Writer) {
	fmt.Fprint(w, `cfhls signs CloudFront URLs and cookies for private HLS video, rewrites
playlists so that every URI carries credentials, and explains why CloudFront
accepts or refuses a signed URL.

usage: cfhls COMMAND [flags] [arguments]

commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run "cfhls COMMAND -h" for a command's flags and examples.
Exit status: 0 ok, 1 refused or failed, 2 usage error.
`)
}

var helpCommand = &command{
	name:     "help",
	synopsis: "[COMMAND]",
	summary:  "show help for cfhls or for one command",
	help:     "Shows the list of commands, or the flags and examples of one command.\n",
	run: func(e *env, self *command, args []string) int {
		if len(args) == 0 {
			topUsage(e.stdout)
			return exitOK
		}
		switch args[0] {
		case "-h", "-help", "--help":
			self.usage(e.stdout, self.flags())
			return exitOK
		}
		c := lookup(args[0])
		if c == nil || len(args) > 1 {
			fmt.Fprintf(e.stderr, "cfhls help: unknown command %q\n", strings.Join(args, " "))
			fmt.Fprint(e.stderr, helpHint)
			return exitUsage
		}
		return c.run(e, c, []string{"-h"})
	},
}

// flags returns an empty flag set for c that reports nothing by itself:
// parse prints errors and usage.
func (c *command) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("cfhls "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// usage writes c's help with the flags of fs to w.
func (c *command) usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: cfhls %s %s\n\n%s", c.name, c.synopsis, c.help)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprint(w, "\nflags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// parse parses args with fs and checks that exactly nargs arguments follow
// the flags (any number when nargs is negative). When it returns ok false,
// the command is over with exit status code: -h printed the help to stdout
// (0), or a usage error went to stderr (2).
func (e *env) parse(c *command, fs *flag.FlagSet, args []string, nargs int) (rest []string, code int, ok bool) {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		c.usage(e.stdout, fs)
		return nil, exitOK, false
	}
	if err != nil {
		return nil, e.usageError(c, "%v", err), false
	}
	rest = fs.Args()
	for i, a := range rest {
		if i > 0 && strings.HasPrefix(a, "-") && len(a) > 1 {
			return nil, e.usageError(c, "flag %s after the argument %q: flags go before the arguments", a, rest[0]), false
		}
	}
	if nargs >= 0 && len(rest) != nargs {
		switch {
		case len(rest) < nargs:
			return nil, e.usageError(c, "missing argument: %s", c.synopsis[strings.LastIndex(c.synopsis, " ")+1:]), false
		case nargs == 0:
			return nil, e.usageError(c, "unexpected argument %q", rest[0]), false
		default:
			return nil, e.usageError(c, "too many arguments: %q (quote a URL that holds '&' or spaces)", rest), false
		}
	}
	return rest, exitOK, true
}

// usageError prints a usage error to stderr, and one line pointing at c's
// help (not the help itself, which would bury the error), and returns
// exitUsage.
func (e *env) usageError(c *command, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "cfhls %s: %s\n", c.name, shortURLs(fmt.Sprintf(format, args...)))
	fmt.Fprintf(e.stderr, "Run \"cfhls %s -h\" for its flags and examples.\n", c.name)
	return exitUsage
}

// fail prints an error of c to stderr and returns exitFailed. Credential
// values in the URLs it holds are shortened.
func (e *env) fail(c *command, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "cfhls %s: %s\n", c.name, shortURLs(fmt.Sprintf(format, args...)))
	return exitFailed
}

// warn prints a warning of c to stderr; the exit status is unchanged.
func (e *env) warn(c *command, format string, args ...any) {
	fmt.Fprintf(e.stderr, "cfhls %s: warning: %s\n", c.name, shortURLs(fmt.Sprintf(format, args...)))
}
