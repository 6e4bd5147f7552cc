"""7.4 Softmax cross-entropy gradient through the tape: ∂L/∂z = p − y.

The book's companion listing with only the import line changed. Its labels ``[0, 1]`` have a
lower rank than the logits of shape (1, 2), which current Keras rejects; deltagrad's namespace
accepts labels that differ only by leading axes of length 1. The random inputs are printed so
the gradients ∂L/∂w = xᵀ(p − y) and ∂L/∂b = p − y can be checked by hand.
"""
from deltagrad.compat import tf

tf.random.set_seed(4323)

x = tf.random.normal([1, 3])

w = tf.random.normal([3, 2])

b = tf.random.normal([2])

y = tf.constant([0, 1])


with tf.GradientTape() as tape:

    tape.watch([w, b])
    logits = (x @ w + b)
    loss = tf.reduce_mean(tf.losses.categorical_crossentropy(y, logits, from_logits=True))

grads = tape.gradient(loss, [w, b])
print('x:', x.numpy())
print('w:', w.numpy())
print('b:', b.numpy())
print('w grad:', grads[0])

print('b grad:', grads[1])
