import { Api } from './api.js';
import { COMMON_HELP, CommandError, UsageError, closest, expectPositionals, parseCommand, type Io, type Parsed } from './common.js';
import { INSTANCE_HELP, INSTANCE_OPTIONS, OPERATE_HELP, operateInstance, registryOperation } from './instance-commands.js';
import { KEEPALIVE_HELP, KEEPALIVE_OPTIONS, keepalive } from './keepalive-command.js';
import { clusterStatus, instanceList, serviceGet, serviceList, status } from './read-commands.js';
import { WATCH_HELP, WATCH_OPTIONS, watch, type StopHook } from './watch-command.js';
import { CONVERT_HELP, CONVERT_OPTIONS, configConvert, configShow } from './config-commands.js';
import { BULK_HELP, BULK_OPTIONS, bulk, type BulkAction } from './bulk-command.js';
import { TOKEN_CREATE_HELP, TOKEN_CREATE_OPTIONS, tokenCreate, tokenList, tokenRevoke } from './token-commands.js';
import {
  GROUP_OPERATE_HELP,
  GROUP_OPERATE_OPTIONS,
  ROUTE_RULE_WRITE_HELP,
  ROUTE_RULE_WRITE_OPTIONS,
  groupList,
  operateGroup,
  routeRuleList,
  routeRuleRelease,
  routeRuleSetWeight,
} from './routing-commands.js';

type OptionSpec = Parameters<typeof parseCommand>[1];

/** A help request for a command group: printed, exit 0. */
class HelpText extends Error {}

interface Command {
  usage: string;
  options?: OptionSpec;
  positionals: string[];
  run(api: Api, parsed: Parsed, ctx: CommandContext): Promise<number>;
}

/** What commands get from the process. */
export interface CommandContext {
  io: Io;
  env: NodeJS.ProcessEnv;
  onStop: StopHook;
}

const COMMANDS: Record<string, Command> = {
  'service list': { usage: 'artemis service list [options]\n\nLists every service that has instances.', positionals: [], run: (api, p, c) => serviceList(api, p.flags, c.io) },
  'service get': { usage: 'artemis service get <serviceId> [options]\n\nShows one service and its instances.', positionals: ['serviceId'], run: (api, p, c) => serviceGet(api, p.flags, c.io, p.positionals[0]!) },
  'instance list': { usage: 'artemis instance list <serviceId> [options]\n\nLists the instances of a service.', positionals: ['serviceId'], run: (api, p, c) => instanceList(api, p.flags, c.io, p.positionals[0]!) },
  'instance register': {
    ...registryCommand('register', 'Registers one instance (its lease expires unless heartbeats follow; --keepalive sends them).', KEEPALIVE_HELP),
    options: { ...INSTANCE_OPTIONS, ...KEEPALIVE_OPTIONS },
    run: (api, p, c) => (p.values.keepalive === true ? keepalive(api, p.flags, c.io, p.values, c.onStop) : registryOperation('register', api, p.flags, c.io, p.values)),
  },
  'instance heartbeat': registryCommand('heartbeat', 'Renews the lease of one instance.'),
  'instance unregister': registryCommand('unregister', 'Unregisters one instance.'),
  'instance pull-out': operateCommand(false, 'Pulls an instance out of discovery (management operation).'),
  'instance pull-in': operateCommand(true, 'Completes a pull-out: the instance is discoverable again.'),
  'cluster status': { usage: 'artemis cluster status [options]\n\nShows the cluster members (gossip state, silence, replication queue) and what each node can serve.', positionals: [], run: (api, p, c) => clusterStatus(api, p.flags, c.io) },
  status: { usage: 'artemis status [options]\n\nShows the node, its leases and its configuration.', positionals: [], run: (api, p, c) => status(api, p.flags, c.io) },
  'config convert': {
    usage: `artemis config convert <artemis.properties> [--out file] [options]\n\n${CONVERT_HELP}`,
    options: CONVERT_OPTIONS,
    positionals: ['file'],
    run: (_api, p, c) => Promise.resolve(configConvert(p.flags, c.io, p.values, p.positionals[0]!)),
  },
  'config show': { usage: 'artemis config show [options]\n\nShows the effective configuration of a node and where each value comes from.', positionals: [], run: (api, p, c) => configShow(api, p.flags, c.io) },
  'group list': {
    usage: 'artemis group list <serviceId> [options]\n\nLists the groups of a service: id, group key, app, status, operations (pull-outs) and tags.',
    positionals: ['serviceId'],
    run: (api, p, c) => groupList(api, p.flags, c.io, p.positionals[0]!),
  },
  'group pull-out': groupOperateCommand(false, 'Pulls a whole group out of discovery (group operation).'),
  'group pull-in': groupOperateCommand(true, 'Completes a group pull-out: its instances are discoverable again.'),
  'route-rule list': {
    usage: 'artemis route-rule list <serviceId> [options]\n\nLists the route rules of a service with the pending and published weight of each group.',
    positionals: ['serviceId'],
    run: (api, p, c) => routeRuleList(api, p.flags, c.io, p.positionals[0]!),
  },
  'route-rule release': {
    usage: `artemis route-rule release <routeRuleId> [options]\n\nPublishes the pending weight of every group of the rule.\n\n${ROUTE_RULE_WRITE_HELP}`,
    options: ROUTE_RULE_WRITE_OPTIONS,
    positionals: ['routeRuleId'],
    run: (api, p, c) => routeRuleRelease(api, p.flags, c.io, p.positionals[0]!, p.values, c.env),
  },
  'route-rule set-weight': {
    usage: `artemis route-rule set-weight <routeRuleId> <groupId> <weight> [options]\n\nSets the pending weight (0..10000) of a group of the rule; \`route-rule release\` publishes it.\n\n${ROUTE_RULE_WRITE_HELP}`,
    options: ROUTE_RULE_WRITE_OPTIONS,
    positionals: ['routeRuleId', 'groupId', 'weight'],
    run: (api, p, c) => routeRuleSetWeight(api, p.flags, c.io, p.positionals, p.values, c.env),
  },
  'token create': {
    usage: `artemis token create <name> [--scope read,register,operate,admin] [options]\n\nCreates an API token and prints its secret (once).\n\n${TOKEN_CREATE_HELP}`,
    options: TOKEN_CREATE_OPTIONS,
    positionals: ['name'],
    run: (api, p, c) => tokenCreate(api, p.flags, c.io, p.positionals[0]!, p.values),
  },
  'token list': { usage: 'artemis token list [options]\n\nLists the API tokens: id, name, scopes, when and by which token each was created (never secrets).', positionals: [], run: (api, p, c) => tokenList(api, p.flags, c.io) },
  'token revoke': {
    usage: 'artemis token revoke <id|name> [options]\n\nRevokes an API token; every node of the cluster refuses it from then on.',
    positionals: ['token'],
    run: (api, p, c) => tokenRevoke(api, p.flags, c.io, p.positionals[0]!),
  },
  'bulk register': bulkCommand('register'),
  'bulk unregister': bulkCommand('unregister'),
  'bulk pull-out': bulkCommand('pull-out'),
  'bulk pull-in': bulkCommand('pull-in'),
  watch: {
    usage: `artemis watch <serviceId> [options]\n\nPrints the service, then every change as it is pushed (Ctrl-C to stop).\n\n${WATCH_HELP}`,
    options: WATCH_OPTIONS,
    positionals: ['serviceId'],
    run: (api, p, c) => watch(api, p.flags, c.io, p.positionals[0]!, p.values, c.onStop),
  },
};

function bulkCommand(action: BulkAction): Command {
  return {
    usage: `artemis bulk ${action} --file <instances.json> [options]\n\nApplies ${action} to every instance of the file, with a progress bar on a terminal and a summary.\n\n${BULK_HELP}`,
    options: BULK_OPTIONS,
    positionals: [],
    run: (api, p, c) => bulk(action, api, p.flags, c.io, p.values, c.env, process.stderr.isTTY === true),
  };
}

function groupOperateCommand(pullIn: boolean, what: string): Command {
  return {
    usage: `artemis group ${pullIn ? 'pull-in' : 'pull-out'} <groupId> [options]\n\n${what}\n\n${GROUP_OPERATE_HELP}`,
    options: GROUP_OPERATE_OPTIONS,
    positionals: ['groupId'],
    run: (api, p, c) => operateGroup(pullIn, api, p.flags, c.io, p.positionals[0]!, p.values, c.env),
  };
}

function registryCommand(op: 'register' | 'heartbeat' | 'unregister', what: string, moreHelp = ''): Command {
  return {
    usage: `artemis instance ${op} --service <id> --instance-id <id> --instance-url <url> [options]\n\n${what}\n\n${INSTANCE_HELP}${moreHelp === '' ? '' : `\n${moreHelp}`}`,
    options: INSTANCE_OPTIONS,
    positionals: [],
    run: (api, p, c) => registryOperation(op, api, p.flags, c.io, p.values),
  };
}

function operateCommand(pullIn: boolean, what: string): Command {
  return {
    usage: `artemis instance ${pullIn ? 'pull-in' : 'pull-out'} --service <id> --instance-id <id> [options]\n\n${what}\n\n${OPERATE_HELP}`,
    options: INSTANCE_OPTIONS,
    positionals: [],
    run: (api, p, c) => operateInstance(pullIn, api, p.flags, c.io, p.values, c.env),
  };
}

/** The groups and their subcommands, for help texts. */
export const CLIENT_GROUPS: Record<string, string[]> = {
  service: ['list', 'get'],
  instance: ['list', 'register', 'heartbeat', 'unregister', 'pull-out', 'pull-in'],
  cluster: ['status'],
  config: ['convert', 'show'],
  bulk: ['register', 'unregister', 'pull-out', 'pull-in'],
  group: ['list', 'pull-out', 'pull-in'],
  'route-rule': ['list', 'release', 'set-weight'],
  token: ['create', 'list', 'revoke'],
};

/** The client commands' lines of `artemis --help`. */
export const CLIENT_USAGE = `  service list              list services
  service get <serviceId>   show a service and its instances
  instance list <serviceId> list the instances of a service
  instance register|heartbeat|unregister   one registry call for one instance
  instance pull-out|pull-in                take an instance out of discovery and back
  cluster status            nodes of the cluster and their state
  status                    this node, its leases and configuration
  watch <serviceId>         print changes of a service as they are pushed
  config convert <file>     turn a Java artemis.properties into a config file
  config show               the effective configuration of a node
  bulk register|unregister|pull-out|pull-in --file F   one action for many instances
  group list <serviceId>    groups of a service, their operations and tags
  group pull-out|pull-in <groupId>         take a whole group out of discovery and back
  route-rule list <serviceId>              route rules with pending and published weights
  route-rule set-weight <ruleId> <groupId> <weight>   stage a group's weight
  route-rule release <ruleId>              publish the staged weights of a rule
  token create <name> [--scope s,...]      create an API token (prints its secret once)
  token list | token revoke <id|name>      list or revoke API tokens
`;

function find(argv: string[]): { name: string; rest: string[] } {
  const [group = '', sub, ...rest] = argv;
  const subs = CLIENT_GROUPS[group];
  if (subs === undefined) return { name: group, rest: argv.slice(1) };
  if (sub === undefined || sub.startsWith('-')) {
    const help = `artemis ${group} <${subs.join('|')}> [options]   (artemis ${group} <command> --help)`;
    if (sub === '-h' || sub === '--help') throw new HelpText(help);
    throw new UsageError(`missing command: ${help}`);
  }
  if (!subs.includes(sub)) {
    const near = closest(sub, subs).map((s) => `${group} ${s}`);
    throw new UsageError(`unknown command: ${group} ${sub}; ${near.length > 0 ? `did you mean ${near.join(' or ')}?` : `one of ${subs.join(', ')}`}`);
  }
  return { name: `${group} ${sub}`, rest };
}

/** Client commands without a group (`artemis status`, `artemis watch`). */
export const STANDALONE_COMMANDS = Object.keys(COMMANDS).filter((name) => !name.includes(' '));

/** Every client command with its own flags and positionals, for shell completion. */
export function commandTable(): Array<{ name: string; options: OptionSpec; positionals: number }> {
  return Object.entries(COMMANDS).map(([name, c]) => ({ name, options: c.options ?? {}, positionals: c.positionals.length }));
}

/** True when `command` is one of the client commands. */
export function isClientCommand(command: string | undefined): boolean {
  return command !== undefined && (command in CLIENT_GROUPS || command in COMMANDS);
}

/** Moves options given before the command after it: `--url X status` → `status --url X`. */
export function commandFirst(argv: string[]): string[] {
  if (argv.length === 0 || !argv[0]!.startsWith('-')) return argv;
  const at = argv.findIndex((a) => isClientCommand(a));
  if (at < 0) return argv;
  const take = argv[at]! in CLIENT_GROUPS && argv[at + 1] !== undefined && !argv[at + 1]!.startsWith('-') ? 2 : 1;
  return [...argv.slice(at, at + take), ...argv.slice(0, at), ...argv.slice(at + take)];
}

/** Runs a client command: 0 ok, 1 failed (one-line reason on stderr), 2 usage error. */
export async function runClientCommand(argv: string[], ctx: CommandContext): Promise<number> {
  let command: Command | undefined;
  try {
    const { name, rest } = find(argv);
    command = COMMANDS[name];
    if (command === undefined) throw new UsageError(`unknown command: ${name}`);
    const parsed = parseCommand(rest, command.options ?? {}, ctx.env);
    if (parsed.help) {
      ctx.io.out(`Usage: ${command.usage}\n\n${COMMON_HELP}`);
      return 0;
    }
    expectPositionals(parsed.positionals, command.positionals);
    const api = new Api(parsed.flags);
    try {
      return await command.run(api, parsed, ctx);
    } finally {
      api.close();
    }
  } catch (err) {
    return report(err, ctx.io, command);
  }
}

function report(err: unknown, io: Io, command: Command | undefined): number {
  if (err instanceof HelpText) {
    io.out(`Usage: ${err.message}\n`);
    return 0;
  }
  if (err instanceof UsageError) {
    io.err(`artemis: ${err.message}\n${command === undefined ? '' : `Usage: ${command.usage.split('\n')[0]}\n`}(--help for details)\n`);
    return 2;
  }
  if (err instanceof CommandError) {
    io.err(`artemis: ${err.message}\n`);
    return 1;
  }
  io.err(`artemis: ${(err as Error).message ?? String(err)}\n`);
  return 1;
}
