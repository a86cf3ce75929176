// config-random.js - random configuration files against the pipelines'
// parser (mdx_load_config in pipelines/common.sh, run by the shell given)
// and a model of mdx-pipelines(7)'s rules written here.
//
//	node tests/config-random.js SHELL CASES SEED DIR
//
// Each case is a file of one to six lines drawn from a grammar of keys and
// values full of what a shell would expand (quotes, $, backquotes, $(...),
// ;, |, blanks, tabs, CR, backslashes, globs, non-ASCII bytes).  The
// shell sources common.sh with MDX_CONFIG set to it and prints the
// environment; the case passes when the exit status, the line a refusal
// names and every value set agree with the model, and no command written
// in a value ran (each would create DIR/ran).  NUL bytes are left out: a
// shell variable cannot hold one.  Prints one line: "CASES cases, N
// refused, N taken, N disagreements", then the first disagreements.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const [shell, ncases, seed0, dir] = process.argv.slice(2);
const src = path.resolve(__dirname, '..');
let seed = Number(seed0) >>> 0 || 1;
function rnd(n) {
	// xorshift32: the same cases for the same seed.
	seed ^= seed << 13; seed >>>= 0;
	seed ^= seed >>> 17;
	seed ^= seed << 5; seed >>>= 0;
	return seed % n;
}
const pick = (a) => a[rnd(a.length)];

const canary = path.join(dir, 'ran');
const keys = ['MDX_ROLLUPS', 'MDX_DB', 'MDX_X1', 'PGAPPNAME', 'AWS_PROFILE',
    'MDX_EXTRACT_OPTS', 'PATH', 'LD_PRELOAD', 'IFS', 'HOME', 'mdx_x',
    'MDX-A', 'MDX.A', '1MDX', '_MDX', 'MDX_A B', 'MDX_$A', 'PG', 'AWS_',
    ''];
const atoms = ['a', 'Z9', '1h', 'host=x dbname=y', ' ', '\t', '\r', "'",
    '"', '$', '$HOME', '${HOME}', '`touch ' + canary + '`',
    '$(touch ' + canary + ')', ';touch ' + canary, '|', '&', '<', '>',
    '(', ')', '~', '\\', '\\n', '*', '?', '[a]', '#', '=', '\u00e9',
    '\x7f', '\x0b', '\x0c', '%s', '-', '--tries 1', 'x'.repeat(300)];

// Characters no rule refuses, so that about half the files are taken.
const plain = ['a', 'Z9', '1h', '*', '?', '[a]', '-', '\u00e9', '#', '=',
    '%s', ',', '.', '/', ':', '@', '+'];

function value() {
	const from = rnd(4) ? plain : atoms;
	let v = '';
	const n = rnd(5);
	for (let i = 0; i < n; i++)
		v += pick(from);
	switch (rnd(4)) {
	case 0: return "'" + v + (rnd(12) ? "'" : '') + (rnd(16) ? '' : pick(atoms));
	case 1: return '"' + v + (rnd(12) ? '"' : '') + (rnd(16) ? '' : pick(atoms));
	default: return v;
	}
}

function line() {
	switch (rnd(16)) {
	case 0: return pick(['', '   ', '\t', '# c', '  # c $(x)', '#', '\r']);
	case 1: return pick(['junk', 'export MDX_DB=x', 'MDX_DB =x', ' =x',
	    '=', 'MDX_DB']);
	default:
		return (rnd(6) ? '' : pick([' ', '\t', '  '])) +
		    (rnd(8) ? pick(keys.slice(0, 6)) : pick(keys)) + '=' +
		    value();
	}
}

// The model: what mdx-pipelines(7) says the file means.
const SPACE = /^[ \t\n\v\f\r]/;
function model(lines) {
	const set = {};
	for (let i = 0; i < lines.length; i++) {
		let l = lines[i];
		const at = i + 1;
		while (l.length && SPACE.test(l))
			l = l.slice(1);
		if (l === '' || l[0] === '#')
			continue;
		if (!/^[A-Za-z_]/.test(l) || !l.includes('='))
			return { bad: at };
		const k = l.slice(0, l.indexOf('='));
		let v = l.slice(l.indexOf('=') + 1);
		while (v.length && SPACE.test(v.slice(-1)))
			v = v.slice(0, -1);
		if (/[^A-Za-z0-9_]/.test(k))
			return { bad: at };
		if (!/^(MDX_|PG|AWS_)/.test(k))
			return { bad: at };
		if (v.includes('\\'))
			return { bad: at };
		if (v[0] === "'" || v[0] === '"') {
			const q = v[0], r = v.slice(1);
			const end = r.indexOf(q);
			if (end < 0 || end !== r.length - 1)
				return { bad: at };
			v = r.slice(0, end);
			if (q === '"' && /[$`]/.test(v))
				return { bad: at };
		} else if (/[ \t\n\v\f\r'"$`;&|<>()~]/.test(v))
			return { bad: at };
		if (!(k in set))
			set[k] = v;
	}
	return { set };
}

// What common.sh gives the keys with a default when the file leaves
// them out: an empty value in the file means the same.
function source(file) {
	return spawnSync(shell, ['-c',
	    '. "$MDX_SRC/pipelines/common.sh" && env -0'], {
		env: { PATH: process.env.PATH, MDX_SRC: src, MDX_CONFIG: file,
		    LC_ALL: 'C', HOME: dir },
		cwd: dir, encoding: 'latin1' });
}
function environ(out) {
	const env = {};
	for (const kv of out.split('\0')) {
		const e = kv.indexOf('=');
		if (e > 0)
			env[kv.slice(0, e)] = kv.slice(e + 1);
	}
	return env;
}
fs.writeFileSync(path.join(dir, 'empty.conf'), '');
const defaults = environ(source(path.join(dir, 'empty.conf')).stdout);

let refused = 0, taken = 0, wrong = 0;
const shown = [];
const file = path.join(dir, 'case.conf');
for (let c = 0; c < Number(ncases); c++) {
	const lines = [];
	const n = 1 + rnd(6);
	for (let i = 0; i < n; i++)
		lines.push(line());
	// A last line without its newline now and then.
	const text = lines.join('\n') + (rnd(5) ? '\n' : '');
	fs.writeFileSync(file, Buffer.from(text, 'latin1'));
	const r = source(file);
	const m = model(lines);
	let why = null;
	if (m.bad) {
		refused++;
		if (r.status !== 78)
			why = 'taken (exit ' + r.status + '), the model refuses line ' + m.bad;
		else if (!r.stderr.includes('(at ' + file + ':' + m.bad + ')'))
			why = 'refused without naming line ' + m.bad + ': ' + r.stderr.trim();
	} else {
		taken++;
		if (r.status !== 0)
			why = 'refused (exit ' + r.status + '): ' + r.stderr.trim();
		else {
			const env = environ(r.stdout);
			for (const k of Object.keys(m.set)) {
				const want = m.set[k] === '' && k in defaults ?
				    defaults[k] : m.set[k];
				if (env[k] !== want)
					why = k + ' is ' + JSON.stringify(env[k]) +
					    ', the model says ' + JSON.stringify(want);
			}
		}
	}
	if (fs.existsSync(canary)) {
		why = 'a command in a value ran';
		fs.unlinkSync(canary);
	}
	if (why !== null) {
		wrong++;
		if (shown.length < 5)
			shown.push('case ' + c + ': ' + why + '\n  file: ' +
			    JSON.stringify(text));
	}
}
console.log(`${ncases} cases, ${refused} refused, ${taken} taken, ` +
    `${wrong} disagreements`);
for (const s of shown)
	console.log(s);
