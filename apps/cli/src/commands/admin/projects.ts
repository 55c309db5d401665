import { Option, type Command } from 'commander';
import { allPages, connect, createdId } from '../../client.js';
import { projectsText, projectText } from '../../format.js';
import { emit } from '../../output.js';

export function projectsCommand(program: Command): void {
  const projects = program.command('projects').description('projects, their members and groups');

  projects
    .command('create')
    .description('create a root project (administrators) or a sub-project (--parent)')
    .argument('<title>', 'project title')
    .option('--parent <id>', 'parent project')
    .option('--pi <user>', 'principal investigator (default: the caller)')
    .action(async (title: string, options: { parent?: string; pi?: string }, command: Command) => {
      const answer = await connect(command).projects.create.mutate({
        items: [{ title, parent: options.parent ?? null, pi: options.pi ?? null }],
      });
      emit(command, answer, (a) => `project ${createdId(a)} created: ${title}`);
    });

  projects
    .command('list')
    .description("the caller's projects")
    .option('--all', 'every project of the site (administrators and operators)')
    .action(async (options: { all?: boolean }, command: Command) => {
      const client = connect(command);
      const items = await allPages((next) =>
        client.projects.browse.query({ itemsPerPage: 250, next, all: options.all ?? false }),
      );
      emit(command, items, projectsText);
    });

  projects
    .command('show')
    .description('a project with its members and groups')
    .argument('<id>', 'project id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const project = await connect(command).projects.retrieve.query({
        id,
        includeMembers: true,
        includeGroups: true,
      });
      emit(command, project, projectText);
    });

  projects
    .command('add-member')
    .description("add a user to a project, or change a member's role")
    .argument('<project>', 'project id')
    .argument('<user>', 'username')
    .addOption(new Option('--role <role>', 'role').choices(['USER', 'ADMIN']).default('USER'))
    .action(
      async (
        project: string,
        username: string,
        options: { role: 'USER' | 'ADMIN' },
        command: Command,
      ) => {
        const answer = await connect(command).projects.addMember.mutate({
          items: [{ project, username, role: options.role }],
        });
        emit(command, answer, () => `${username} is ${options.role} of project ${project}`);
      },
    );

  projects
    .command('remove-member')
    .description('remove a user from a project')
    .argument('<project>', 'project id')
    .argument('<user>', 'username')
    .action(async (project: string, username: string, _options: unknown, command: Command) => {
      const answer = await connect(command).projects.deleteMember.mutate({
        items: [{ project, username }],
      });
      emit(command, answer, () => `${username} removed from project ${project}`);
    });

  projects
    .command('create-group')
    .description('create a group in a project')
    .argument('<project>', 'project id')
    .argument('<title>', 'group title')
    .action(async (project: string, title: string, _options: unknown, command: Command) => {
      const answer = await connect(command).projects.createGroup.mutate({
        items: [{ project, title }],
      });
      emit(command, answer, (a) => `group ${createdId(a)} created in project ${project}`);
    });

  projects
    .command('add-to-group')
    .description('add a member of the project to one of its groups')
    .argument('<groupId>', 'group id')
    .argument('<user>', 'username')
    .action(async (group: string, username: string, _options: unknown, command: Command) => {
      const answer = await connect(command).projects.addGroupMember.mutate({
        items: [{ group, username }],
      });
      emit(command, answer, () => `${username} added to group ${group}`);
    });
}
