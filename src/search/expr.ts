/**
 * A tiny, safe expression language for constraints between parameters ("take_profit > stop_loss",
 * "a + b <= 1", "max(fast, 2) * 2 < slow"). Parsed by hand into a closure tree: no eval, no
 * Function, no access to anything but the parameter values handed in.
 *
 * Grammar (precedence low → high):
 *   constraint := or
 *   or         := and ('||' and)*            ('or' accepted too)
 *   and        := cmp ('&&' cmp)*            ('and' accepted too)
 *   cmp        := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)*   chained: a < b < c
 *   sum        := prod (('+' | '-') prod)*
 *   prod       := unary (('*' | '/' | '%') unary)*
 *   unary      := ('-' | '+' | '!' | 'not') unary | pow
 *   pow        := primary ('^' unary)?
 *   primary    := number | name | name '(' args ')' | '(' or ')' | 'true' | 'false'
 * Functions: abs, min, max, sqrt, log, exp, floor, ceil, round. Truth is a number: 0 is false.
 */

export interface CompiledExpression {
  readonly source: string;
  /** Parameter names the expression reads. */
  readonly names: readonly string[];
  evaluate(values: Readonly<Record<string, number>>): number;
}

/** Thrown by `compileExpression`; `column` is 1-based. Callers wrap it into a ConfigError. */
export class ExpressionSyntaxError extends Error {
  readonly column: number;
  constructor(message: string, column: number) {
    super(`${message} at column ${column}`);
    this.column = column;
  }
}

type Node = (v: Readonly<Record<string, number>>) => number;

interface Token {
  kind: 'num' | 'name' | 'op' | 'end';
  text: string;
  value: number;
  pos: number;
}

const OPERATORS = ['<=', '>=', '==', '!=', '&&', '||', '<', '>', '+', '-', '*', '/', '%', '^', '(', ')', ',', '!'];

const FUNCTIONS: Record<string, { arity: [number, number]; fn: (...a: number[]) => number }> = {
  abs: { arity: [1, 1], fn: Math.abs },
  sqrt: { arity: [1, 1], fn: Math.sqrt },
  log: { arity: [1, 1], fn: Math.log },
  exp: { arity: [1, 1], fn: Math.exp },
  floor: { arity: [1, 1], fn: Math.floor },
  ceil: { arity: [1, 1], fn: Math.ceil },
  round: { arity: [1, 1], fn: Math.round },
  min: { arity: [1, 64], fn: Math.min },
  max: { arity: [1, 64], fn: Math.max },
};

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ kind: 'num', text: num[0], value: Number(num[0]), pos: i + 1 });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i));
    if (name) {
      out.push({ kind: 'name', text: name[0], value: NaN, pos: i + 1 });
      i += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op === undefined) throw new ExpressionSyntaxError(`unexpected character "${c}"`, i + 1);
    out.push({ kind: 'op', text: op, value: NaN, pos: i + 1 });
    i += op.length;
  }
  out.push({ kind: 'end', text: '', value: NaN, pos: src.length + 1 });
  return out;
}

class Parser {
  private i = 0;
  readonly names = new Set<string>();
  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.i] as Token;
  }
  private take(): Token {
    return this.toks[this.i++] as Token;
  }
  private isOp(text: string): boolean {
    const t = this.peek();
    return (t.kind === 'op' && t.text === text) || (t.kind === 'name' && t.text === text);
  }
  private expectOp(text: string): void {
    const t = this.take();
    if (!(t.kind === 'op' && t.text === text)) {
      throw new ExpressionSyntaxError(`expected "${text}" but found ${describe(t)}`, t.pos);
    }
  }

  parseAll(): Node {
    const n = this.or();
    const t = this.peek();
    if (t.kind !== 'end') throw new ExpressionSyntaxError(`unexpected ${describe(t)}`, t.pos);
    return n;
  }

  private or(): Node {
    let left = this.and();
    while (this.isOp('||') || this.isOp('or')) {
      this.take();
      const l = left;
      const r = this.and();
      left = (v) => (l(v) !== 0 || r(v) !== 0 ? 1 : 0);
    }
    return left;
  }

  private and(): Node {
    let left = this.cmp();
    while (this.isOp('&&') || this.isOp('and')) {
      this.take();
      const l = left;
      const r = this.cmp();
      left = (v) => (l(v) !== 0 && r(v) !== 0 ? 1 : 0);
    }
    return left;
  }

  private cmp(): Node {
    const first = this.sum();
    const parts: Node[] = [first];
    const ops: string[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && ['<', '<=', '>', '>=', '==', '!='].includes(t.text)) {
        this.take();
        ops.push(t.text);
        parts.push(this.sum());
      } else break;
    }
    if (ops.length === 0) return first;
    const cmps = ops.map((op, k) => compare(op, parts[k] as Node, parts[k + 1] as Node));
    return (v) => {
      for (const c of cmps) if (!c(v)) return 0;
      return 1;
    };
  }

  private sum(): Node {
    let left = this.prod();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && (t.text === '+' || t.text === '-')) {
        this.take();
        const l = left;
        const r = this.prod();
        left = t.text === '+' ? (v) => l(v) + r(v) : (v) => l(v) - r(v);
      } else return left;
    }
  }

  private prod(): Node {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && (t.text === '*' || t.text === '/' || t.text === '%')) {
        this.take();
        const l = left;
        const r = this.unary();
        left = t.text === '*' ? (v) => l(v) * r(v) : t.text === '/' ? (v) => l(v) / r(v) : (v) => l(v) % r(v);
      } else return left;
    }
  }

  private unary(): Node {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      this.take();
      const r = this.unary();
      return t.text === '-' ? (v) => -r(v) : r;
    }
    if ((t.kind === 'op' && t.text === '!') || (t.kind === 'name' && t.text === 'not')) {
      this.take();
      const r = this.unary();
      return (v) => (r(v) === 0 ? 1 : 0);
    }
    return this.pow();
  }

  private pow(): Node {
    const base = this.primary();
    if (this.isOp('^')) {
      this.take();
      const e = this.unary();
      return (v) => Math.pow(base(v), e(v));
    }
    return base;
  }

  private primary(): Node {
    const t = this.take();
    if (t.kind === 'num') {
      const c = t.value;
      return () => c;
    }
    if (t.kind === 'op' && t.text === '(') {
      const n = this.or();
      this.expectOp(')');
      return n;
    }
    if (t.kind === 'name') {
      if (t.text === 'true') return () => 1;
      if (t.text === 'false') return () => 0;
      if (['and', 'or', 'not'].includes(t.text)) throw new ExpressionSyntaxError(`unexpected "${t.text}"`, t.pos);
      if (this.isOp('(')) {
        const f = FUNCTIONS[t.text];
        if (!f) throw new ExpressionSyntaxError(`unknown function "${t.text}" (known: ${Object.keys(FUNCTIONS).join(', ')})`, t.pos);
        this.take();
        const args: Node[] = [];
        if (!this.isOp(')')) {
          args.push(this.or());
          while (this.isOp(',')) {
            this.take();
            args.push(this.or());
          }
        }
        this.expectOp(')');
        if (args.length < f.arity[0] || args.length > f.arity[1]) {
          throw new ExpressionSyntaxError(`${t.text}() takes ${f.arity[0] === f.arity[1] ? f.arity[0] : `${f.arity[0]}..${f.arity[1]}`} argument(s), got ${args.length}`, t.pos);
        }
        const fn = f.fn;
        if (args.length === 1) {
          const a0 = args[0] as Node;
          return (v) => fn(a0(v));
        }
        return (v) => fn(...args.map((a) => a(v)));
      }
      const name = t.text;
      this.names.add(name);
      return (v) => v[name] as number;
    }
    throw new ExpressionSyntaxError(`unexpected ${describe(t)}`, t.pos);
  }
}

function compare(op: string, l: Node, r: Node): (v: Readonly<Record<string, number>>) => boolean {
  switch (op) {
    case '<':
      return (v) => l(v) < r(v);
    case '<=':
      return (v) => l(v) <= r(v);
    case '>':
      return (v) => l(v) > r(v);
    case '>=':
      return (v) => l(v) >= r(v);
    case '==':
      return (v) => l(v) === r(v);
    default:
      return (v) => l(v) !== r(v);
  }
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'end of expression' : `"${t.text}"`;
}

/** Parses `source`; throws ExpressionSyntaxError with the column of the problem. */
export function compileExpression(source: string): CompiledExpression {
  const parser = new Parser(tokenize(source));
  const root = parser.parseAll();
  return { source, names: [...parser.names], evaluate: root };
}
