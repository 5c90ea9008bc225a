/** `exostack <command> [options]`: one entry, one module per command. */
import { volunteerCommand } from './volunteer-command';

interface Command {
	summary: string;
	run(args: string[]): Promise<number | void>;
}

const commands: Record<string, Command> = {
	volunteer: { summary: 'lend this machine to a hub: compute tasks with onnxruntime-node', run: volunteerCommand }
};

function usage(): string {
	const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
	return `usage: exostack <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nexostack <command> --help for a command's options`;
}

const [name, ...args] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
if (!command) {
	console.error(name && name !== '--help' ? `unknown command "${name}"\n\n${usage()}` : usage());
	process.exit(name === '--help' ? 0 : 2);
}
try {
	const code = await command.run(args);
	if (typeof code === 'number') process.exitCode = code;
} catch (e) {
	console.error(`exostack ${name}: ${(e as Error).message}`);
	process.exitCode = 1;
}
