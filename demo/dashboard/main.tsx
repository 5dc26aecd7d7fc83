// The dashboard page: seed 000's ChatWindow for one room, rendered by React.
import { createRoot } from 'react-dom/client';
import { ChatWindow } from './ChatWindow.tsx';
import { roomId } from './supabase.ts';

document.querySelector('#room-name')!.textContent = roomId;
createRoot(document.querySelector('#dashboard')!).render(<ChatWindow conversationId={roomId} />);
