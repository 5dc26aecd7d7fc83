// components/ChatWindow.tsx of seed 000 ("Supabase Realtime + LLM streaming for live AI chat
// dashboards"), adapted only where Chorus names things otherwise: the column `conversation_id` is
// `room_id`, `role === 'user'` is `author_kind === 'human'`, the `pending` status is `streaming`,
// and the seed's own `/api/chat` is Chorus's `POST /api/rooms/:room/messages` (which needs the
// room token). The client comes from ./supabase.ts instead of environment variables.
import { useEffect, useState } from 'react';
import { roomToken, supabase } from './supabase.ts';

interface MessageRow {
  id: string;
  author_kind: 'human' | 'agent' | 'system';
  content: string;
  status: string;
}

export function ChatWindow({ conversationId }: { conversationId: string }) {
  const [messages, setMessages] = useState<MessageRow[]>([]);
  const [input, setInput] = useState('');
  useEffect(() => {
    // Load initial messages
    supabase
      .from('messages')
      .select('*')
      .eq('room_id', conversationId)
      .order('created_at', { ascending: true })
      .then(({ data }) => setMessages((data as MessageRow[]) || []));
    // Subscribe to real-time updates
    const subscription = supabase
      .channel(`conversation:${conversationId}`)
      .on(
        'postgres_changes',
        {
          event: '*',
          schema: 'public',
          table: 'messages',
          filter: `room_id=eq.${conversationId}`,
        },
        (payload) => {
          if (payload.eventType === 'INSERT') {
            setMessages((prev) => [...prev, payload.new as MessageRow]);
          } else if (payload.eventType === 'UPDATE') {
            setMessages((prev) =>
              prev.map((msg) => (msg.id === payload.new.id ? (payload.new as MessageRow) : msg)),
            );
          }
        },
      )
      .subscribe();
    return () => {
      void subscription.unsubscribe();
    };
  }, [conversationId]);
  const handleSend = async () => {
    if (!input.trim()) return;
    setInput('');
    await fetch(`/api/rooms/${conversationId}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${roomToken}` },
      body: JSON.stringify({
        id: crypto.randomUUID(),
        content: input,
      }),
    });
  };
  return (
    <div className="flex flex-col gap-4">
      <div className="space-y-2 h-96 overflow-y-auto" role="log" aria-label="Messages">
        {messages.map((msg) => (
          <div
            key={msg.id}
            className={`p-3 rounded ${msg.author_kind === 'human' ? 'bg-blue-100' : 'bg-gray-100'}`}
          >
            {msg.content}
            {msg.status === 'streaming' && <span className="animate-pulse">...</span>}
          </div>
        ))}
      </div>
      <div className="flex gap-2">
        <input
          value={input}
          onChange={(e) => setInput(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && handleSend()}
          placeholder="Type a message..."
          aria-label="Message"
          className="flex-1 border rounded px-3 py-2"
        />
        <button onClick={handleSend} className="bg-blue-500 text-white px-4 py-2 rounded">
          Send
        </button>
      </div>
    </div>
  );
}
