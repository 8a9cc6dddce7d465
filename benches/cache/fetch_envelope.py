#!/usr/bin/env python3
"""FETCH 1:* of ENVELOPE / BODYSTRUCTURE against `imapm serve` on the memory store:
20,000 multipart messages of 3.5 KB, the best of 3, and the server VmRSS.
   Usage: python3 benches/cache/fetch_envelope.py target/release/imapm PORT"""
import socket, time, sys, subprocess
def run(binary, port, n=20000):
    p=subprocess.Popen([binary,'serve','--quiet','--listen',f'127.0.0.1:{port}','--user','bench:bench'],stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    s=socket.create_connection(('127.0.0.1',port)); f=s.makefile('rb')
    f.readline()
    def cmd(tag,line):
        s.sendall(f"{tag} {line}\r\n".encode()); n=0
        while True:
            l=f.readline()
            if l.startswith(tag.encode()+b' '): return n
            n+=len(l)
    cmd('l','LOGIN bench bench'); cmd('c','CREATE box')
    msg=(b"From: Ann Example <ann@example.org>\r\nTo: Bob <bob@example.org>, carol@example.org\r\nSubject: Quarterly report "
         b"=?UTF-8?Q?caf=C3=A9?=\r\nDate: Thu, 03 Dec 2026 10:00:00 +0000\r\nMessage-ID: <%d@example.org>\r\n"
         b"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+b"Hello there, this is a line of text.\r\n"*40+
         b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"+b"<p>Hello there, this is a line of text.</p>\r\n"*40+b"--b--\r\n")
    batch=[]
    for i in range(n):
        m=msg%i
        batch.append(b'a%d APPEND box {%d+}\r\n'%(i,len(m))+m+b'\r\n')
        if len(batch)==200:
            s.sendall(b''.join(batch)); 
            for _ in batch:
                while not f.readline().startswith(b'a'): pass
            batch=[]
    cmd('s','SELECT box')
    out=[]
    for att in ['(FLAGS)','(ENVELOPE)','(BODYSTRUCTURE)','(ENVELOPE BODYSTRUCTURE)']:
        best=1e9
        for _ in range(3):
            t=time.time(); nb=cmd('f',f'FETCH 1:* {att}'); best=min(best,time.time()-t)
        out.append(f"{att} {best*1000:.0f} ms {nb//1024} KiB")
    rss=[l for l in open(f'/proc/{p.pid}/status') if l.startswith('VmRSS')][0].split()[1]
    p.kill()
    print(binary, '|', ' | '.join(out), '| RSS', int(rss)//1024, 'MiB')
run(sys.argv[1], int(sys.argv[2]))
