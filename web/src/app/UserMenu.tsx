import { Avatar, Badge, Menu, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconLogout, IconUserCircle } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { api } from '../api/client';
import { send } from '../api/result';
import { describeError } from '../api/problem';
import { useSession } from './session';

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0]?.toUpperCase() ?? '')
    .join('');
}

export function UserMenu() {
  const me = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();

  const signOut = async () => {
    try {
      await send(api.POST('/api/auth/logout'));
      queryClient.clear();
      await navigate('/sign-in', { replace: true });
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not sign out', message: describeError(error) });
    }
  };

  return (
    <Menu position="bottom-end" width={240}>
      <Menu.Target>
        {/* The name starts with the initials shown, so voice control users can say what they see. */}
        <UnstyledButton aria-label={`${initials(me.user.name)}, account menu for ${me.user.name}`}>
          <Avatar color="indigo" radius="xl" size={32}>
            {initials(me.user.name)}
          </Avatar>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          {me.user.name}
          <br />
          {me.user.email}
          <br />
          <Badge size="xs" mt={4} variant="light">
            {me.role}
          </Badge>
        </Menu.Label>
        <Menu.Item component={Link} to="/account" leftSection={<IconUserCircle size={16} />}>
          Account
        </Menu.Item>
        <Menu.Item color="red" leftSection={<IconLogout size={16} />} onClick={() => void signOut()}>
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
