"""7.3 The sigmoid's derivative through the tape; it equals σ(x)(1 − σ(x)).

The book's companion listing with only the import line changed.
"""
from deltagrad.compat import tf

a = tf.linspace(-10., 10., 10)

with tf.GradientTape() as tape:
    tape.watch(a)
    y = tf.sigmoid(a)

grads = tape.gradient(y, [a])
print('x:', a.numpy())
print('y:', y.numpy())
print('grad:', grads[0].numpy())
